package io.vqgen.weights;

import java.util.Arrays;
import java.util.Map;

/** What a weight reader that returned normally must have given: tensors whose bytes are exactly their shape's. */
final class TensorInvariants {
    private TensorInvariants() {
    }

    static void check(Map<String, RawTensor> tensors) {
        tensors.forEach((name, t) -> check(name, t.type(), t.shape(), t.data().remaining()));
    }

    static void check(String name, StorageType type, long[] shape, long bytes) {
        for (long d : shape) {
            if (d < 0) {
                throw new AssertionError(name + ": read with a negative dimension " + Arrays.toString(shape));
            }
        }
        long expected = Math.multiplyExact(RawTensor.elementCount(shape), type.bytes());
        if (bytes != expected) {
            throw new AssertionError(name + ": " + type + Arrays.toString(shape) + " read with " + bytes
                    + " bytes, its shape needs " + expected);
        }
    }
}
