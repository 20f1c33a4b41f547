package io.vqgen.weights;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * The tensors of one model component by their reference parameter names. A model takes each
 * weight once with the shape it expects; {@link #checkAllTaken()} then reports weights the
 * checkpoint has but the model did not use, so a mismatched config cannot pass silently.
 */
public final class StateDict {
    private final String component;
    private final Map<String, RawTensor> tensors;
    private final LoadOptions options;
    private final Set<String> taken = new LinkedHashSet<>();
    private final RandomWeights synthesizer;
    /** The state dict this one is a part of (see {@link #part}), or null. */
    private final StateDict whole;

    public StateDict(String component, Map<String, RawTensor> tensors, LoadOptions options) {
        this(component, tensors, options, null, null);
    }

    private StateDict(String component, Map<String, RawTensor> tensors, LoadOptions options, RandomWeights synthesizer,
                      StateDict whole) {
        this.component = component;
        this.tensors = new LinkedHashMap<>(tensors);
        this.options = options;
        this.synthesizer = synthesizer;
        this.whole = whole;
    }

    /**
     * A state dict that invents every weight a model asks for and records its name and shape, so that building a
     * model from its config yields a complete checkpoint: {@link #writeSynthesized} saves it with seeded values
     * (see {@link RandomWeights}). The model built meanwhile sees zeros.
     */
    public static StateDict synthesizing(String component, long seed, LoadOptions options) {
        return synthesizing(component, seed, options, WeightInit.DEFAULT);
    }

    /** As {@link #synthesizing(String, long, LoadOptions)}, each tensor initialised as {@code rule} says. */
    public static StateDict synthesizing(String component, long seed, LoadOptions options, WeightInit.Rule rule) {
        return new StateDict(component, Map.of(), options, new RandomWeights(seed, component, rule), null);
    }

    /**
     * The tensors whose names start with {@code prefix} (names unchanged), as a state dict of their own for one
     * sub-model: it checks its own use with {@link #checkAllTaken()}, and its tensors count as used here. A part
     * of a synthesizing state dict records the weights it invents here too.
     *
     * @param component what the part is, for messages (e.g. "clip vision_model")
     */
    public StateDict part(String component, String prefix) {
        Map<String, RawTensor> selected = new LinkedHashMap<>();
        tensors.forEach((name, t) -> {
            if (name.startsWith(prefix)) {
                selected.put(name, t);
                taken.add(name);
            }
        });
        return new StateDict(component, selected, options, synthesizer, this);
    }

    /**
     * As {@link #synthesizing(String, long, LoadOptions)}, with some tensors given rather than invented (e.g. the
     * integer code mapping of a VQ-VAE, which random values would not make valid); they are written as given.
     */
    public static StateDict synthesizing(String component, long seed, LoadOptions options, Map<String, RawTensor> given) {
        return new StateDict(component, given, options, new RandomWeights(seed, component, WeightInit.DEFAULT), null);
    }

    /** Writes the weights a synthesizing state dict recorded, with their seeded values, as one .safetensors file. */
    public void writeSynthesized(Path file) throws IOException {
        if (synthesizer == null) {
            throw new IllegalStateException(component + ": not a synthesizing state dict");
        }
        SafetensorsWriter.write(file, tensors.values(), t -> t.source().startsWith(RandomWeights.SOURCE)
                ? synthesizer.values(t.name(), t.shape()) : t.data().duplicate().position(0), Map.of("format", "pt"));
    }

    public String component() {
        return component;
    }

    public LoadOptions options() {
        return options;
    }

    public Map<String, RawTensor> tensors() {
        return Collections.unmodifiableMap(tensors);
    }

    public boolean contains(String name) {
        return tensors.containsKey(name);
    }

    /**
     * The name under which the checkpoint holds a weight that older writers stored under another name:
     * {@code name} when present (or when synthesizing), else {@code formerName} when present. A weight stored under
     * neither is reported with both names and the shape expected.
     */
    public String storedName(String name, String formerName, long... expectedShape) {
        if (tensors.containsKey(name) || synthesizer != null) {
            return name;
        }
        if (tensors.containsKey(formerName)) {
            return formerName;
        }
        throw new WeightsException(component + ": missing tensor '" + name + "' (or '" + formerName
                + "', its name in older checkpoints; expected shape " + Arrays.toString(expectedShape) + ") in "
                + sources());
    }

    /** The named weight as an NDArray, floats converted to the target dtype; integers keep theirs (int16 widens to int32). */
    public NDArray take(NDManager manager, String name, long... expectedShape) {
        RawTensor t = raw(name, expectedShape);
        DataType target = t.type().isFloating() ? options.floatType() : t.type().loadType();
        return toNDArray(manager, t, target);
    }

    /** A floating-point weight in the target float type; an integer or bool tensor under this name is an error. */
    public NDArray takeFloat(NDManager manager, String name, long... expectedShape) {
        return take(manager, name, options.floatType(), expectedShape);
    }

    /**
     * The named weight converted to an explicit dtype (e.g. buffers the math needs in float32 whatever the weights
     * dtype). Floats convert only to floats and integers only to integers: a mismatch means the file is not what
     * the model expects.
     */
    public NDArray take(NDManager manager, String name, DataType dtype, long... expectedShape) {
        RawTensor t = raw(name, expectedShape);
        if (t.type().isFloating() != dtype.isFloating()) {
            throw new WeightsException(component + ": tensor '" + name + "' in " + t.source() + " is " + t.type()
                    + ", expected " + (dtype.isFloating() ? "a floating-point" : "an integer") + " tensor (to load as "
                    + dtype + ")");
        }
        return toNDArray(manager, t, dtype);
    }

    /** Looks up a weight, checks its shape and marks it as used. */
    public RawTensor raw(String name, long... expectedShape) {
        RawTensor t = tensors.get(name);
        if (t == null && synthesizer != null) {
            t = synthesizer.placeholder(name, expectedShape);
            tensors.put(name, t);
            for (StateDict w = whole; w != null; w = w.whole) {
                w.tensors.put(name, t);
                w.taken.add(name);
            }
        }
        if (t == null) {
            throw new WeightsException(component + ": missing tensor '" + name + "' (expected shape "
                    + Arrays.toString(expectedShape) + ") in " + sources());
        }
        if (!Arrays.equals(t.shape(), expectedShape)) {
            throw new WeightsException(component + ": tensor '" + name + "' in " + t.source() + " has shape "
                    + t.shapeString() + ", expected " + Arrays.toString(expectedShape)
                    + " (does config.json match the weights?)");
        }
        taken.add(name);
        return t;
    }

    /** Marks weights that are stored but deliberately not used (e.g. buffers the reference recomputes). */
    public void ignore(String name) {
        if (tensors.containsKey(name)) {
            taken.add(name);
        }
    }

    public void checkAllTaken() {
        Set<String> unexpected = new TreeSet<>(tensors.keySet());
        unexpected.removeAll(taken);
        if (!unexpected.isEmpty()) {
            throw new WeightsException(component + ": " + unexpected.size() + " unexpected tensor(s) in " + sources()
                    + " that the configured model does not use: " + abbreviate(unexpected)
                    + " (does config.json match the weights?)");
        }
    }

    private String sources() {
        Set<String> files = new TreeSet<>();
        tensors.values().forEach(t -> files.add(t.source()));
        return files.isEmpty() ? "(no weight files)" : String.join(", ", files);
    }

    private static String abbreviate(Set<String> names) {
        StringBuilder sb = new StringBuilder();
        int i = 0;
        for (String n : names) {
            if (i++ == 8) {
                sb.append(", …");
                break;
            }
            sb.append(i > 1 ? ", " : "").append(n);
        }
        return sb.toString();
    }

    private static NDArray toNDArray(NDManager manager, RawTensor t, DataType target) {
        if (target == DataType.BFLOAT16 || target == DataType.INT16 || target == DataType.UINT16
                || target == DataType.UINT32 || target == DataType.UINT64) {
            throw new IllegalArgumentException("DJL's PyTorch engine cannot hold " + target + " tensors (loading '"
                    + t.name() + "')");
        }
        NDArray stored = manager.create(loadableBytes(t), new Shape(t.shape()), t.type().loadType());
        if (stored.getDataType() == target) {
            return stored;
        }
        NDArray converted = stored.toType(target, false);
        stored.close();
        return converted;
    }

    /** The tensor's bytes in {@link StorageType#loadType()}: bf16 → float32 (its upper half), int16 → int32. */
    private static ByteBuffer loadableBytes(RawTensor t) {
        ByteBuffer in = t.data();
        if (t.type() != StorageType.BF16 && t.type() != StorageType.I16) {
            return in;
        }
        int n = Math.toIntExact(t.elementCount());
        ByteBuffer out = ByteBuffer.allocateDirect(Math.multiplyExact(n, 4)).order(ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i < n; i++) {
            short v = in.getShort(2 * i);
            out.putInt(4 * i, t.type() == StorageType.BF16 ? (v & 0xFFFF) << 16 : v);
        }
        return out;
    }
}
