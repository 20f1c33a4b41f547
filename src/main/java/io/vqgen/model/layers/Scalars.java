package io.vqgen.model.layers;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Scalar operands that already live on the device of the tensors they meet.
 *
 * <p>DJL's PyTorch engine turns every {@code x.add(1f)}, {@code x.mul(scale)} or {@code manager.create(v)} into a new
 * 0-dim tensor made from host memory: free on the CPU, but on a CUDA device a blocking host-to-device copy, which
 * libtorch follows with a synchronisation of the stream (its {@code copy_} with {@code non_blocking=false} from pageable
 * memory). One such scalar per layer makes a denoising step wait for the GPU dozens of times. Here each (device, type,
 * value) is uploaded once per JVM and shared afterwards; the result of {@code x.op(Scalars.of(x, v))} is the same bits
 * as {@code x.op(v)} (the same 0-dim tensor of the same type, only not remade), on every device.
 *
 * <p>Rules for callers, because DJL allocates a result in its first operand's manager: a constant is only ever the
 * second operand of an operation on a call's own tensor ({@code x.mul(c)}, never {@code c.mul(x)}), never the receiver
 * of a unary operation, and never moved to another manager. The constants live as long as the JVM (a few hundred bytes
 * each; their number is bounded by the distinct values a model and the sampling options of a run use: guidance
 * scales, truncation rates, prior weights, schedule entries).
 */
public final class Scalars {
    private static final Map<Key, NDArray> CONSTANTS = new ConcurrentHashMap<>();
    private static final Map<Device, NDManager> OWNERS = new ConcurrentHashMap<>();

    private record Key(Device device, DataType type, long bits) {
    }

    private Scalars() {
    }

    /** A float32 0-dim tensor holding {@code value}, on {@code like}'s device. */
    public static NDArray of(NDArray like, float value) {
        Device device = like.getDevice();
        return CONSTANTS.computeIfAbsent(new Key(device, DataType.FLOAT32, Float.floatToRawIntBits(value)),
                k -> owner(device).create(value));
    }

    /** A float64 0-dim tensor holding {@code value}, on {@code like}'s device. */
    public static NDArray of(NDArray like, double value) {
        Device device = like.getDevice();
        return CONSTANTS.computeIfAbsent(new Key(device, DataType.FLOAT64, Double.doubleToRawLongBits(value)),
                k -> owner(device).create(value));
    }

    /** An int64 0-dim tensor holding {@code value}, on {@code like}'s device. */
    public static NDArray of(NDArray like, long value) {
        Device device = like.getDevice();
        return CONSTANTS.computeIfAbsent(new Key(device, DataType.INT64, value), k -> owner(device).create(value));
    }

    private static NDManager owner(Device device) {
        return OWNERS.computeIfAbsent(device, NDManager::newBaseManager);
    }
}
