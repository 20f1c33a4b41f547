package io.vqgen.model.vq;

import ai.djl.ndarray.NDArray;

/**
 * {@code UNetMidBlock2D} with one layer, as the VQ-VAE builds it: resnet, attention, resnet.
 * {@code attention} is null when the config says {@code mid_block_add_attention: false}.
 * Consumes its input (see {@link Scopes#advance}).
 */
record MidBlock(ResnetBlock first, Attention attention, ResnetBlock second) {

    NDArray forward(NDArray x, NDArray zq) {
        NDArray h = Scopes.advance(x, a -> first.forward(a, zq));
        if (attention != null) {
            h = Scopes.advance(h, a -> attention.forward(a, zq));
        }
        return Scopes.advance(h, a -> second.forward(a, zq));
    }
}
