package io.vqgen.diffusion;

import ai.djl.ndarray.NDArray;
import io.vqgen.model.layers.Scalars;

/** diffusers' {@code gumbel_noised} + argmax: how the reference turns log-probabilities and uniforms into classes. */
final class GumbelMax {
    private GumbelMax() {
    }

    /**
     * {@code argmax(logits - log(-log(u + 1e-30) + 1e-30), axis 1)}, all in float32 as torch does it.
     *
     * @param logits  float32 [B, C, N]
     * @param uniform float32 [B, C, N] in [0, 1)
     * @return int64 [B, N]
     */
    static NDArray argmax(NDArray logits, NDArray uniform) {
        NDArray tiny = Scalars.of(uniform, 1e-30f);
        NDArray gumbel = uniform.add(tiny).log().neg().add(tiny).log().neg();
        // logits first: the sum then takes their layout (classes contiguous for the model's output), which makes
        // the add and the argmax over classes about twice as fast; addition commutes, so the same bits
        return logits.add(gumbel).argMax(1);
    }
}
