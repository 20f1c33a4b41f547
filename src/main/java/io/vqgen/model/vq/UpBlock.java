package io.vqgen.model.vq;

import ai.djl.ndarray.NDArray;

import java.util.List;

/**
 * {@code UpDecoderBlock2D}, or {@code AttnUpDecoderBlock2D} when {@code attentions} holds one attention per resnet
 * (each applied right after its resnet; empty otherwise), then an upsampler except in the last block (null there).
 * Consumes its input.
 */
record UpBlock(List<ResnetBlock> resnets, List<Attention> attentions, Upsample upsample) {

    NDArray forward(NDArray x, NDArray zq) {
        NDArray h = x;
        for (int i = 0; i < resnets.size(); i++) {
            ResnetBlock r = resnets.get(i);
            h = Scopes.advance(h, a -> r.forward(a, zq));
            if (!attentions.isEmpty()) {
                Attention attention = attentions.get(i);
                h = Scopes.advance(h, a -> attention.forward(a, zq));
            }
        }
        return upsample == null ? h : Scopes.advance(h, upsample::forward);
    }
}
