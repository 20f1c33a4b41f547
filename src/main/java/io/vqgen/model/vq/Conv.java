package io.vqgen.model.vq;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.convolutional.Conv2d;

/** {@code nn.Conv2d} with square kernel, stride and zero padding. weight [out, in, k, k], bias [out]. */
record Conv(NDArray weight, NDArray bias, int stride, int padding) {
    static {
        io.vqgen.model.layers.Nnpack.quietWhereUnsupported();
    }

    NDArray forward(NDArray x) {
        return Conv2d.conv2d(x, weight, bias, new Shape(stride, stride), new Shape(padding, padding),
                new Shape(1, 1), 1).singletonOrThrow();
    }
}
