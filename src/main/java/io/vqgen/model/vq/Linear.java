package io.vqgen.model.vq;

import ai.djl.ndarray.NDArray;

/** {@code nn.Linear}: x·Wᵀ + b over the last axis. weight [out, in], bias [out]. */
record Linear(NDArray weight, NDArray bias) {

    NDArray forward(NDArray x) {
        return ai.djl.nn.core.Linear.linear(x, weight, bias).singletonOrThrow();
    }
}
