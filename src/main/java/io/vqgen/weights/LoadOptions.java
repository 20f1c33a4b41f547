package io.vqgen.weights;

import ai.djl.Device;
import ai.djl.ndarray.types.DataType;

/**
 * Where and in what precision floating-point weights are placed. Integer tensors keep their type.
 *
 * @param floatType FLOAT32 (CPU default), FLOAT16 or BFLOAT16
 * @param device    target device, e.g. {@code Device.cpu()} or {@code Device.gpu(0)}
 */
public record LoadOptions(DataType floatType, Device device) {
    public LoadOptions {
        if (floatType != DataType.FLOAT32 && floatType != DataType.FLOAT16 && floatType != DataType.BFLOAT16) {
            throw new IllegalArgumentException("weights dtype must be float32, float16 or bfloat16, got " + floatType);
        }
    }

    public static LoadOptions cpuFloat32() {
        return new LoadOptions(DataType.FLOAT32, Device.cpu());
    }
}
