package io.vqgen.model.vq;

import ai.djl.ndarray.NDArray;

/** A normalisation layer of the VQ-VAE: group norm, or the decoder's spatially conditioned norm. */
interface Norm {
    /**
     * @param x  activation [B, C, H, W]
     * @param zq the codebook vectors [B, vq_embed_dim, h, w] the decoder started from; only SpatialNorm reads
     *           it, and it is null outside a spatial-norm decoder
     */
    NDArray forward(NDArray x, NDArray zq);
}
