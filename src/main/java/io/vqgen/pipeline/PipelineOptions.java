package io.vqgen.pipeline;

import ai.djl.Device;
import ai.djl.ndarray.types.DataType;
import io.vqgen.weights.LoadOptions;

import java.io.Serializable;

/**
 * Where the pipeline runs and in which precision its weights are held.
 *
 * @param device "cpu" or "gpu:N" (also "gpu" = gpu:0)
 * @param dtype  "float32" (default; the only sensible choice on CPU), "float16" or "bfloat16"
 */
public record PipelineOptions(String device, String dtype) implements Serializable {
    public PipelineOptions {
        parseDevice(device);
        parseDtype(dtype);
    }

    public static PipelineOptions cpu() {
        return new PipelineOptions("cpu", "float32");
    }

    public LoadOptions loadOptions() {
        return new LoadOptions(parseDtype(dtype), parseDevice(device));
    }

    public Device djlDevice() {
        return parseDevice(device);
    }

    static Device parseDevice(String device) {
        if (device == null || device.equals("cpu")) {
            return Device.cpu();
        }
        if (device.equals("gpu")) {
            return Device.gpu(0);
        }
        if (device.startsWith("gpu:")) {
            try {
                int id = Integer.parseInt(device.substring(4));
                if (id >= 0) {
                    return Device.gpu(id);
                }
            } catch (NumberFormatException ignored) {
                // falls through to the error below
            }
        }
        throw new PipelineException("unknown device '" + device + "' (expected cpu, gpu or gpu:N)");
    }

    static DataType parseDtype(String dtype) {
        return switch (dtype == null ? "float32" : dtype) {
            case "float32", "fp32" -> DataType.FLOAT32;
            case "float16", "fp16" -> DataType.FLOAT16;
            case "bfloat16", "bf16" -> DataType.BFLOAT16;
            default -> throw new PipelineException("unknown dtype '" + dtype
                    + "' (expected float32, float16 or bfloat16)");
        };
    }
}
