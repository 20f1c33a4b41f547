package io.vqgen.model.vq;

import ai.djl.ndarray.NDArray;

/** Nearest-neighbour resizing of [B, C, H, W], as {@code F.interpolate(mode="nearest")}. */
final class Resize {
    /** DJL's interpolation mode number for torch's kNearest. */
    private static final int NEAREST = 0;

    private Resize() {
    }

    static NDArray nearest(NDArray x, long height, long width) {
        return x.getNDArrayInternal().interpolation(new long[] {height, width}, NEAREST, false);
    }
}
