package io.vqgen.model.inception;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import ai.djl.nn.convolutional.Conv2d;
import io.vqgen.model.layers.Parameters;

/**
 * torchvision's Inception {@code BasicConv2d}: a convolution without bias, batch norm in eval mode (running
 * statistics, eps 0.001), ReLU. {@code .bn.num_batches_tracked}, a training counter, is accepted and unused.
 */
final class BasicConv2d {
    private static final float EPS = 0.001f;

    private final NDArray weight;      // [out, in, kh, kw]
    private final NDArray gamma;       // [out]
    private final NDArray beta;        // [out]
    private final NDArray runningMean; // [out]
    private final NDArray runningVar;  // [out]
    private final Shape stride;
    private final Shape padding;

    private BasicConv2d(NDArray weight, NDArray gamma, NDArray beta, NDArray runningMean, NDArray runningVar,
                        Shape stride, Shape padding) {
        this.weight = weight;
        this.gamma = gamma;
        this.beta = beta;
        this.runningMean = runningMean;
        this.runningVar = runningVar;
        this.stride = stride;
        this.padding = padding;
    }

    /** A square kernel. */
    static BasicConv2d load(Parameters p, String name, int in, int out, int kernel, int stride, int padding) {
        return load(p, name, in, out, kernel, kernel, stride, padding, padding);
    }

    static BasicConv2d load(Parameters p, String name, int in, int out, int kh, int kw, int stride,
                            int padH, int padW) {
        NDArray weight = p.take(name + ".conv.weight", DataType.FLOAT32, out, in, kh, kw);
        NDArray gamma = p.take(name + ".bn.weight", DataType.FLOAT32, out);
        NDArray beta = p.take(name + ".bn.bias", DataType.FLOAT32, out);
        NDArray mean = p.take(name + ".bn.running_mean", DataType.FLOAT32, out);
        NDArray var = p.take(name + ".bn.running_var", DataType.FLOAT32, out);
        p.dict().ignore(name + ".bn.num_batches_tracked");
        return new BasicConv2d(weight, gamma, beta, mean, var, new Shape(stride, stride), new Shape(padH, padW));
    }

    /** [B, in, H, W] → [B, out, H', W'], allocated in x's manager. */
    NDArray forward(NDArray x) {
        NDArray y = Conv2d.conv2d(x, weight, null, stride, padding, new Shape(1, 1), 1).singletonOrThrow();
        y = y.getNDArrayInternal().batchNorm(y, runningMean, runningVar, gamma, beta, 1, 0.1f, EPS, false)
                .singletonOrThrow();
        return Activation.relu(y);
    }
}
