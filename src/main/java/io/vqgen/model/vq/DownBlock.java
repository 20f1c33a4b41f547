package io.vqgen.model.vq;

import ai.djl.ndarray.NDArray;
import io.vqgen.model.layers.CallScope;

import java.util.List;

/**
 * {@code DownEncoderBlock2D}, or {@code AttnDownEncoderBlock2D} when {@code attentions} holds one attention per
 * resnet (each applied right after its resnet; empty otherwise), then a downsampler except in the last block (null
 * there). Consumes its input.
 */
record DownBlock(List<ResnetBlock> resnets, List<SpatialAttention> attentions, Downsample downsample) {

    NDArray forward(NDArray x) {
        NDArray h = x;
        for (int i = 0; i < resnets.size(); i++) {
            ResnetBlock r = resnets.get(i);
            h = CallScope.advance(h, a -> r.forward(a, null));
            if (!attentions.isEmpty()) {
                SpatialAttention attention = attentions.get(i);
                h = CallScope.advance(h, a -> attention.forward(a, null));
            }
        }
        return downsample == null ? h : CallScope.advance(h, downsample::forward);
    }
}
