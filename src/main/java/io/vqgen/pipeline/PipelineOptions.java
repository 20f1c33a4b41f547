package io.vqgen.pipeline;

import ai.djl.Device;
import ai.djl.ndarray.types.DataType;
import io.vqgen.weights.LoadOptions;

import java.io.Serializable;

/**
 * Where the pipeline runs and in which precision its weights are held. The one parser of device and dtype names:
 * the CLI and the job's validation use {@link #parseDevice} and {@link #parseDtype}, so that a bad value is refused
 * before any work, with the same message everywhere.
 *
 * @param device "cpu" or "gpu:N" (also "gpu" = gpu:0)
 * @param dtype  "float32" (default; the only sensible choice on CPU) or "float16"
 */
public record PipelineOptions(String device, String dtype) implements Serializable {
    /**
     * Why bfloat16 is refused. Seen with DJL 0.36.0 (pytorch-engine 0.36.0, libtorch 2.7.1 CPU): creating a bfloat16
     * NDArray in any way (toType, zeros, create from bytes) kills the JVM with SIGABRT ("terminate called without an
     * active exception") before control returns to Java, so no exception can report it.
     */
    public static final String NO_BFLOAT16 = "bfloat16 is not supported: DJL 0.36's PyTorch engine cannot hold "
            + "bfloat16 tensors (creating one aborts the JVM); use float16 (GPU) or float32";

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

    /** "cpu" (or null), "gpu" (= gpu:0) or "gpu:N"; anything else is a {@link PipelineException} saying what is expected. */
    public static Device parseDevice(String device) {
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

    /**
     * "float32"/"fp32" (or null) and "float16"/"fp16"; "bfloat16"/"bf16" is refused with {@link #NO_BFLOAT16}, anything
     * else with what is expected, both as a {@link PipelineException}.
     */
    public static DataType parseDtype(String dtype) {
        return switch (dtype == null ? "float32" : dtype) {
            case "float32", "fp32" -> DataType.FLOAT32;
            case "float16", "fp16" -> DataType.FLOAT16;
            case "bfloat16", "bf16" -> throw new PipelineException("dtype '" + dtype + "': " + NO_BFLOAT16);
            default -> throw new PipelineException("unknown dtype '" + dtype + "' (expected float32 or float16)");
        };
    }
}
