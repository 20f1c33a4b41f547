package io.vqgen.model.layers;

import ai.djl.ndarray.NDArray;

/** A normalisation that may depend on the diffusion timestep (AdaLayerNorm) or ignore it (LayerNorm). */
@FunctionalInterface
public interface TimestepNorm {
    /**
     * @param x        [..., dim]
     * @param timestep int64 scalar index of the timestep, in x's manager
     */
    NDArray forward(NDArray x, NDArray timestep);

    static TimestepNorm of(LayerNorm norm) {
        return (x, timestep) -> norm.forward(x);
    }
}
