package io.vqgen.model.vq;

import ai.djl.ndarray.NDArray;

import java.util.List;

/** {@code UpDecoderBlock2D}: resnets, then an upsampler except in the last block (null there). Consumes its input. */
record UpBlock(List<ResnetBlock> resnets, Upsample upsample) {

    NDArray forward(NDArray x, NDArray zq) {
        NDArray h = x;
        for (ResnetBlock r : resnets) {
            h = Scopes.advance(h, a -> r.forward(a, zq));
        }
        return upsample == null ? h : Scopes.advance(h, upsample::forward);
    }
}
