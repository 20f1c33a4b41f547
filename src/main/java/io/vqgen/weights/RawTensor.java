package io.vqgen.weights;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;

/**
 * One stored tensor: its name, element type, shape and little-endian bytes in C order.
 * The bytes are usually a slice of a memory-mapped file, so holding a RawTensor costs no heap.
 */
public record RawTensor(String name, StorageType type, long[] shape, ByteBuffer data, String source) {

    public RawTensor {
        data = data.slice().order(ByteOrder.LITTLE_ENDIAN);
    }

    public long elementCount() {
        return elementCount(shape);
    }

    public static long elementCount(long[] shape) {
        long n = 1;
        for (long d : shape) {
            n = Math.multiplyExact(n, d);
        }
        return n;
    }

    public String shapeString() {
        return Arrays.toString(shape);
    }

    @Override
    public String toString() {
        return name + " " + type + shapeString() + " in " + source;
    }
}
