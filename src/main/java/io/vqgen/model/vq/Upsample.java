package io.vqgen.model.vq;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;

/** {@code Upsample2D(use_conv=True)}: nearest ×2, then a 3×3 convolution. */
record Upsample(Conv conv) {

    NDArray forward(NDArray x) {
        Shape s = x.getShape();
        return conv.forward(Resize.nearest(x, 2 * s.get(2), 2 * s.get(3)));
    }
}
