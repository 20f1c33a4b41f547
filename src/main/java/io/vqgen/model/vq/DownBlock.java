package io.vqgen.model.vq;

import ai.djl.ndarray.NDArray;

import java.util.List;

/**
 * {@code DownEncoderBlock2D}, or {@code AttnDownEncoderBlock2D} when {@code attentions} holds one attention per
 * resnet (each applied right after its resnet; empty otherwise), then a downsampler except in the last block (null
 * there). Consumes its input.
 */
record DownBlock(List<ResnetBlock> resnets, List<Attention> attentions, Downsample downsample) {

    NDArray forward(NDArray x) {
        NDArray h = x;
        for (int i = 0; i < resnets.size(); i++) {
            ResnetBlock r = resnets.get(i);
            h = Scopes.advance(h, a -> r.forward(a, null));
            if (!attentions.isEmpty()) {
                Attention attention = attentions.get(i);
                h = Scopes.advance(h, a -> attention.forward(a, null));
            }
        }
        return downsample == null ? h : Scopes.advance(h, downsample::forward);
    }
}
