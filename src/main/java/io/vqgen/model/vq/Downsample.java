package io.vqgen.model.vq;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;

/**
 * The encoder's {@code Downsample2D(use_conv=True, padding=0)}: zero-pad one column on the right and one row
 * at the bottom ({@code F.pad(x, (0, 1, 0, 1))}), then a 3×3 convolution with stride 2 and no padding.
 */
record Downsample(Conv conv) {
    /** F.pad order: (left, right, top, bottom) of the last two axes. */
    private static final Shape PAD_RIGHT_BOTTOM = new Shape(0, 1, 0, 1);

    NDArray forward(NDArray x) {
        return conv.forward(x.pad(PAD_RIGHT_BOTTOM, 0));
    }
}
