package io.vqgen.model.vq;

import ai.djl.ndarray.NDArray;
import io.vqgen.model.layers.CallScope;

/**
 * {@code UNetMidBlock2D} with one layer, as the VQ-VAE builds it: resnet, attention, resnet.
 * {@code attention} is null when the config says {@code mid_block_add_attention: false}.
 * Consumes its input (see {@link CallScope#advance}).
 */
record MidBlock(ResnetBlock first, SpatialAttention attention, ResnetBlock second) {

    NDArray forward(NDArray x, NDArray zq) {
        NDArray h = CallScope.advance(x, a -> first.forward(a, zq));
        if (attention != null) {
            h = CallScope.advance(h, a -> attention.forward(a, zq));
        }
        return CallScope.advance(h, a -> second.forward(a, zq));
    }
}
