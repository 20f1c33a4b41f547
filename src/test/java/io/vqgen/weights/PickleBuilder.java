package io.vqgen.weights;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;

/** Writes pickle opcodes by hand, so tests can build exactly the checkpoints (good and hostile) they need. */
final class PickleBuilder {
    private final ByteArrayOutputStream out = new ByteArrayOutputStream();

    PickleBuilder op(int... bytes) {
        for (int b : bytes) {
            out.write(b);
        }
        return this;
    }

    PickleBuilder proto(int version) {
        return op(0x80, version);
    }

    PickleBuilder global(String module, String name) {
        op('c');
        out.writeBytes((module + "\n" + name + "\n").getBytes(StandardCharsets.US_ASCII));
        return this;
    }

    PickleBuilder str(String s) {
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        op('X');
        le(b.length, 4);
        out.writeBytes(b);
        return this;
    }

    PickleBuilder shortStr(String s) {
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        op(0x8c, b.length);
        out.writeBytes(b);
        return this;
    }

    PickleBuilder integer(long v) {
        if (v >= 0 && v < 256) {
            return op('K', (int) v);
        }
        if (v >= 0 && v < 65536) {
            op('M');
            le(v, 2);
            return this;
        }
        if (v >= Integer.MIN_VALUE && v <= Integer.MAX_VALUE) {
            op('J');
            le(v, 4);
            return this;
        }
        op(0x8a, 8);
        le(v, 8);
        return this;
    }

    PickleBuilder mark() {
        return op('(');
    }

    PickleBuilder tuple() {
        return op('t');
    }

    PickleBuilder emptyTuple() {
        return op(')');
    }

    PickleBuilder reduce() {
        return op('R');
    }

    PickleBuilder emptyDict() {
        return op('}');
    }

    PickleBuilder setItems() {
        return op('u');
    }

    PickleBuilder setItem() {
        return op('s');
    }

    PickleBuilder emptyList() {
        return op(']');
    }

    PickleBuilder appends() {
        return op('e');
    }

    PickleBuilder build() {
        return op('b');
    }

    /** BINFLOAT: a big-endian float64. */
    PickleBuilder binFloat(double v) {
        op('G');
        long bits = Double.doubleToLongBits(v);
        for (int i = 7; i >= 0; i--) {
            out.write((int) (bits >>> (8 * i)) & 0xFF);
        }
        return this;
    }

    PickleBuilder persistentId() {
        return op('Q');
    }

    PickleBuilder newFalse() {
        return op(0x89);
    }

    PickleBuilder none() {
        return op('N');
    }

    PickleBuilder stop() {
        return op('.');
    }

    PickleBuilder longs(long... values) {
        mark();
        for (long v : values) {
            integer(v);
        }
        return tuple();
    }

    /** _rebuild_tensor_v2((storage pid), offset, size, stride, False, OrderedDict()) as torch.save writes it. */
    PickleBuilder tensor(String storageClass, String key, long numel, long offset, long[] shape, long[] stride) {
        return tensorAt("cpu", storageClass, key, numel, offset, shape, stride);
    }

    /** As {@link #tensor}, with the storage's location as torch.save records it (e.g. "cuda:0"). */
    PickleBuilder tensorAt(String location, String storageClass, String key, long numel, long offset, long[] shape,
                           long[] stride) {
        global("torch._utils", "_rebuild_tensor_v2");
        mark();
        mark().str("storage").global("torch", storageClass).str(key).str(location).integer(numel).tuple().persistentId();
        integer(offset).longs(shape).longs(stride).newFalse();
        global("collections", "OrderedDict").emptyTuple().reduce();
        return tuple().reduce();
    }

    byte[] bytes() {
        return out.toByteArray();
    }

    private void le(long v, int n) {
        for (int i = 0; i < n; i++) {
            out.write((int) (v >>> (8 * i)) & 0xFF);
        }
    }
}
