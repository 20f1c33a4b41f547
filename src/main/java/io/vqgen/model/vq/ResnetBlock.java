package io.vqgen.model.vq;

import ai.djl.ndarray.NDArray;
import io.vqgen.model.layers.Activation;

/**
 * diffusers' {@code ResnetBlock2D} as the VQ-VAE builds it: no time embedding, no dropout at inference,
 * output_scale_factor 1. {@code shortcut} is the 1×1 {@code conv_shortcut}, present only when the channel
 * count changes (null otherwise, as upstream).
 */
record ResnetBlock(Norm norm1, Conv conv1, Norm norm2, Conv conv2, Conv shortcut, Activation act) {

    NDArray forward(NDArray x, NDArray zq) {
        NDArray h = conv1.forward(act.apply(norm1.forward(x, zq)));
        h = conv2.forward(act.apply(norm2.forward(h, zq)));
        NDArray skip = shortcut == null ? x : shortcut.forward(x);
        return h.addi(skip);
    }
}
