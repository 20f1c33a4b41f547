package io.vqgen.model.inception;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;
import io.vqgen.model.layers.AveragePool3x3;

/** The pooling the FID Inception uses, as torch's functions with the same arguments. */
final class Pooling {
    private Pooling() {
    }

    /** {@code F.max_pool2d(x, kernel_size=3, stride=stride, padding=padding)}. */
    static NDArray max3(NDArray x, int stride, int padding) {
        return x.getNDArrayInternal().maxPool(new Shape(3, 3), new Shape(stride, stride), new Shape(padding, padding),
                false);
    }

    /**
     * {@code F.avg_pool2d(x, kernel_size=3, stride=1, padding=1, count_include_pad=False)}: TensorFlow's average
     * pool, which divides by the number of real (unpadded) inputs.
     */
    static NDArray avg3ExcludingPadding(NDArray x) {
        return AveragePool3x3.excludingPadding(x);
    }
}
