package io.vqgen.model.layers;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;

/**
 * {@code torch.nn.Linear}: y = x·Wᵀ + b over the last dimension; float32 on the CPU through oneDNN
 * ({@link OneDnnLinear}) when this engine has it, otherwise {@link #plain}.
 */
public final class Linear {
    private final NDArray weight; // [out, in]
    private final NDArray bias;   // [out], or null for a layer without bias

    public Linear(NDArray weight, NDArray bias) {
        this.weight = weight;
        this.bias = bias;
        if (weight.getDataType() == DataType.FLOAT32 && weight.getDevice().getDeviceType().equals(Device.Type.CPU)) {
            OneDnnLinear.available(); // probed at load, not at the first call
        }
    }

    /** Binds {@code prefix.weight} [out,in] and, when {@code withBias}, {@code prefix.bias} [out]. */
    public static Linear load(Parameters p, String prefix, long in, long out, boolean withBias) {
        NDArray w = p.take(prefix + ".weight", out, in);
        NDArray b = withBias ? p.take(prefix + ".bias", out) : null;
        return new Linear(w, b);
    }

    /** [..., in] → [..., out], allocated in x's manager; never update it in place (it may be an inference tensor). */
    public NDArray forward(NDArray x) {
        if (OneDnnLinear.takes(x, weight)) {
            return OneDnnLinear.apply(x, weight, bias);
        }
        return plain(x, weight, bias);
    }

    /** The weights' dtype, which is also the output's. */
    DataType dtype() {
        return weight.getDataType();
    }

    Device device() {
        return weight.getDevice();
    }

    /** DJL's linear: a matmul and a bias add, as torch does for 3-D inputs; any dtype and device. */
    static NDArray plain(NDArray x, NDArray weight, NDArray bias) {
        return x.getNDArrayInternal().linear(x, weight, bias).singletonOrThrow();
    }
}
