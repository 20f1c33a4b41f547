package io.vqgen.model.vq;

import ai.djl.ndarray.NDArray;

import java.util.List;

/** {@code DownEncoderBlock2D}: resnets, then a downsampler except in the last block (null there). Consumes its input. */
record DownBlock(List<ResnetBlock> resnets, Downsample downsample) {

    NDArray forward(NDArray x) {
        NDArray h = x;
        for (ResnetBlock r : resnets) {
            h = Scopes.advance(h, a -> r.forward(a, null));
        }
        return downsample == null ? h : Scopes.advance(h, downsample::forward);
    }
}
