package io.vqgen.model.layers;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import io.vqgen.weights.StateDict;

/**
 * {@code torch.nn.Linear}: y = x·Wᵀ + b over the last dimension; float32 on the CPU through oneDNN
 * ({@link OneDnnLinear}), otherwise DJL's linear (a matmul and a bias add, as torch does for 3-D inputs).
 */
public final class Linear {
    private final NDArray weight; // [out, in]
    private final NDArray bias;   // [out], or null for a layer without bias

    public Linear(NDArray weight, NDArray bias) {
        this.weight = weight;
        this.bias = bias;
    }

    /** Binds {@code prefix.weight} [out,in] and, when {@code withBias}, {@code prefix.bias} [out]. */
    public static Linear load(StateDict weights, NDManager manager, String prefix, long in, long out, boolean withBias) {
        NDArray w = weights.takeFloat(manager, prefix + ".weight", out, in);
        NDArray b = withBias ? weights.takeFloat(manager, prefix + ".bias", out) : null;
        return new Linear(w, b);
    }

    /** [..., in] → [..., out], allocated in x's manager. */
    public NDArray forward(NDArray x) {
        if (OneDnnLinear.takes(x, weight)) {
            return OneDnnLinear.apply(x, weight, bias);
        }
        return x.getNDArrayInternal().linear(x, weight, bias).singletonOrThrow();
    }
}
