package io.vqgen.convert;

import io.vqgen.weights.RawTensor;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * Tensors under their checkpoint names being moved to their names in the converted folder: every source tensor is
 * either mapped (renamed, possibly reshaped or split) or dropped with a stated reason; what is left at the end is
 * an error. The converted tensors keep the original file and key in their source, so any later shape check names
 * the key of the checkpoint.
 */
final class TensorMap {
    private final Map<String, RawTensor> remaining;
    private final Map<String, RawTensor> mapped = new LinkedHashMap<>();
    private final List<String> dropped = new ArrayList<>();
    private final Map<String, String> origins = new LinkedHashMap<>();
    private final String what;

    /** @param what the source, for messages, e.g. "coco_learnable.pth ['model'] (ema applied)" */
    TensorMap(Map<String, RawTensor> tensors, String what) {
        this.remaining = new LinkedHashMap<>(tensors);
        this.what = what;
    }

    boolean has(String key) {
        return remaining.containsKey(key);
    }

    /** The shape of a source tensor not yet mapped. */
    long[] shape(String key) {
        RawTensor t = remaining.get(key);
        if (t == null) {
            throw new ConversionException(what + ": missing tensor '" + key + "'");
        }
        return t.shape();
    }

    /** Source keys not yet mapped or dropped that start with the prefix. */
    List<String> keysWithPrefix(String prefix) {
        return remaining.keySet().stream().filter(k -> k.startsWith(prefix)).toList();
    }

    /** Moves a tensor to its new name as it is. */
    void rename(String from, String to) {
        RawTensor t = take(from);
        put(new RawTensor(to, t.type(), t.shape(), t.data(), t.source()));
        origins.put(to, from);
    }

    /** Moves a tensor, taking the same bytes in another shape (e.g. a 1×1 convolution as a linear layer). */
    void reshape(String from, String to, long... shape) {
        RawTensor t = take(from);
        if (RawTensor.elementCount(shape) != t.elementCount()) {
            throw new ConversionException(t.source() + ": shape " + t.shapeString() + " cannot be read as "
                    + Arrays.toString(shape));
        }
        put(new RawTensor(to, t.type(), shape, t.data(), t.source()));
        origins.put(to, from);
    }

    /** Splits a tensor into equal parts along its first dimension (e.g. a fused q/k/v projection). */
    void split(String from, String... to) {
        RawTensor t = take(from);
        if (t.shape().length == 0 || t.shape()[0] % to.length != 0) {
            throw new ConversionException(t.source() + ": shape " + t.shapeString() + " does not split into "
                    + to.length + " equal parts along its first dimension");
        }
        long[] shape = t.shape().clone();
        shape[0] /= to.length;
        int bytes = Math.toIntExact(RawTensor.elementCount(shape) * t.type().bytes());
        for (int i = 0; i < to.length; i++) {
            ByteBuffer part = t.data().duplicate().position(i * bytes).limit((i + 1) * bytes).slice();
            put(new RawTensor(to[i], t.type(), shape, part, t.source()));
            origins.put(to[i], from + " (part " + (i + 1) + " of " + to.length + ")");
        }
    }

    /** Drops every remaining tensor whose key matches, giving the reason. */
    void drop(String key, String reason) {
        take(key);
        dropped.add(key + ": " + reason);
    }

    /** Drops every remaining tensor whose key matches the regular expression; {@code label} names them in the report. */
    void dropMatching(String regex, String label, String reason) {
        List<String> keys = remaining.keySet().stream().filter(k -> k.matches(regex)).toList();
        keys.forEach(remaining::remove);
        if (!keys.isEmpty()) {
            dropped.add(label + " (" + keys.size() + " tensors): " + reason);
        }
    }

    void dropPrefix(String prefix, String reason) {
        List<String> keys = keysWithPrefix(prefix);
        keys.forEach(remaining::remove);
        if (!keys.isEmpty()) {
            dropped.add(prefix + "* (" + keys.size() + " tensors): " + reason);
        }
    }

    RawTensor take(String key) {
        RawTensor t = remaining.remove(key);
        if (t == null) {
            throw new ConversionException(what + ": missing tensor '" + key + "'");
        }
        return t;
    }

    void put(RawTensor t) {
        if (mapped.putIfAbsent(t.name(), t) != null) {
            throw new ConversionException(what + ": two tensors map to '" + t.name() + "'");
        }
    }

    /** Fails naming every source tensor that was neither mapped nor dropped. */
    void checkAllMapped(String model) {
        if (!remaining.isEmpty()) {
            Set<String> left = new TreeSet<>(remaining.keySet());
            throw new ConversionException(what + ": " + left.size() + " tensor(s) that a " + model + " does not have: "
                    + String.join(", ", left.stream().limit(8).toList()) + (left.size() > 8 ? ", …" : "")
                    + " (does the yaml match the checkpoint?)");
        }
    }

    /** Converted name → the key it came from. */
    Map<String, String> origins() {
        return origins;
    }

    Map<String, RawTensor> mapped() {
        return mapped;
    }

    List<String> dropped() {
        return dropped;
    }
}
