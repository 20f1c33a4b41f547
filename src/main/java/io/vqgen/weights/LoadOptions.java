package io.vqgen.weights;

import ai.djl.Device;
import ai.djl.ndarray.types.DataType;

/**
 * Where and in what precision floating-point weights are placed, and which weight files to read.
 * Integer tensors keep their type.
 *
 * @param floatType FLOAT32 (CPU default) or FLOAT16; not BFLOAT16, which DJL 0.36's PyTorch engine cannot hold
 *                  (its native library aborts the JVM on bfloat16 tensors; bf16 files are widened to float32)
 * @param device    target device, e.g. {@code Device.cpu()} or {@code Device.gpu(0)}
 * @param variant   diffusers weight variant ("fp16" reads {@code diffusion_pytorch_model.fp16.safetensors}),
 *                  or null for the plain files
 */
public record LoadOptions(DataType floatType, Device device, String variant) {
    public LoadOptions {
        if (floatType != DataType.FLOAT32 && floatType != DataType.FLOAT16) {
            throw new IllegalArgumentException("weights dtype must be float32 or float16, got " + floatType
                    + (floatType == DataType.BFLOAT16 ? " (DJL's PyTorch engine has no bfloat16 tensors)" : ""));
        }
        if (variant != null && !variant.matches(WeightFiles.VARIANT_PATTERN)) {
            throw new IllegalArgumentException("weights variant must be a simple name such as 'fp16', got '" + variant + "'");
        }
    }

    public LoadOptions(DataType floatType, Device device) {
        this(floatType, device, null);
    }

    public static LoadOptions cpuFloat32() {
        return new LoadOptions(DataType.FLOAT32, Device.cpu());
    }

    public LoadOptions withVariant(String newVariant) {
        return new LoadOptions(floatType, device, newVariant);
    }
}
