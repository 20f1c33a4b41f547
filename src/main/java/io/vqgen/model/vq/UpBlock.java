package io.vqgen.model.vq;

import ai.djl.ndarray.NDArray;
import io.vqgen.model.layers.CallScope;

import java.util.List;

/**
 * {@code UpDecoderBlock2D}, or {@code AttnUpDecoderBlock2D} when {@code attentions} holds one attention per resnet
 * (each applied right after its resnet; empty otherwise), then an upsampler except in the last block (null there).
 * Consumes its input.
 */
record UpBlock(List<ResnetBlock> resnets, List<SpatialAttention> attentions, Upsample upsample) {

    NDArray forward(NDArray x, NDArray zq) {
        NDArray h = x;
        for (int i = 0; i < resnets.size(); i++) {
            ResnetBlock r = resnets.get(i);
            h = CallScope.advance(h, a -> r.forward(a, zq));
            if (!attentions.isEmpty()) {
                SpatialAttention attention = attentions.get(i);
                h = CallScope.advance(h, a -> attention.forward(a, zq));
            }
        }
        return upsample == null ? h : CallScope.advance(h, upsample::forward);
    }
}
