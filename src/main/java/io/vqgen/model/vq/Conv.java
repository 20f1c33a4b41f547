package io.vqgen.model.vq;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.convolutional.Conv2d;
import io.vqgen.model.layers.Parameters;

/** {@code nn.Conv2d} with square kernel, stride and zero padding. weight [out, in, k, k], bias [out]. */
record Conv(NDArray weight, NDArray bias, int stride, int padding) {
    static {
        io.vqgen.model.layers.Nnpack.quietWhereUnsupported();
    }

    static Conv load(Parameters p, String name, long in, long out, int kernel, int stride, int padding) {
        return new Conv(p.take(name + ".weight", out, in, kernel, kernel), p.take(name + ".bias", out), stride, padding);
    }

    NDArray forward(NDArray x) {
        return Conv2d.conv2d(x, weight, bias, new Shape(stride, stride), new Shape(padding, padding),
                new Shape(1, 1), 1).singletonOrThrow();
    }
}
