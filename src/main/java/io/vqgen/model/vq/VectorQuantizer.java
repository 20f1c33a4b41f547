package io.vqgen.model.vq;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;

/**
 * diffusers' {@code VectorQuantizer} (no remap): the codebook {@code quantize.embedding.weight} [n_e, d],
 * looked up by index, and nearest-entry search.
 */
final class VectorQuantizer {
    private final NDArray embedding;
    /** Codebook and its squared norms in float32 for the distance search, whatever the weights' dtype. */
    private final NDArray transposedF32;
    private final NDArray squaredNorms;

    VectorQuantizer(NDArray embedding) {
        this.embedding = embedding;
        NDManager owner = embedding.getManager();
        try (NDManager scope = owner.newSubManager()) {
            NDArray f32 = embedding.toType(DataType.FLOAT32, true);
            f32.attach(scope);
            this.transposedF32 = f32.transpose();
            this.squaredNorms = f32.square().sum(new int[] {1}).reshape(1, -1);
            transposedF32.attach(owner);
            squaredNorms.attach(owner);
        }
    }

    long size() {
        return embedding.getShape().get(0);
    }

    /** Codebook rows of the given indices: int64 [N] → [N, d], in {@code scope}. */
    NDArray lookup(NDArray indices, NDManager scope) {
        return embedding.get(scope, new NDIndex("{}", indices));
    }

    /**
     * Index of the nearest codebook entry for each row of z [N, d] (float32): argmin over j of
     * ‖z‖² + ‖e_j‖² − 2 z·e_j clamped at 0 — the squared distance torch.cdist computes by matrix product
     * for inputs of this size; ties go to the lowest index, as torch.argmin.
     */
    NDArray nearest(NDArray z) {
        NDArray zz = z.square().sum(new int[] {1}, true);
        NDArray d = z.matMul(transposedF32).mul(-2).add(zz).add(squaredNorms).maximum(0f);
        return d.argMin(1);
    }
}
