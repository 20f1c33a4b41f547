package io.vqgen.weights;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Gives the allowed torch globals their meaning while a state-dict pickle is read: OrderedDicts become maps,
 * tensor rebuilds become {@link TorchTensorRef}s, persistent ids become storage references. Nothing is executed.
 */
final class TorchPickleResolver implements RestrictedUnpickler.Resolver {
    private final String source;
    private final boolean legacyFormat;
    private final boolean classReferences;
    private final Map<String, TorchTensorRef.Storage> storages = new LinkedHashMap<>();

    /**
     * A global outside the allow-list, named but never looked up, called or built: a training checkpoint may use a
     * class as a dictionary key (PyTorch Lightning keys callback states by callback class). Only the reader of
     * training checkpoints admits these, and only as inert names.
     */
    record ClassReference(String module, String name) {
        @Override
        public String toString() {
            return module + "." + name;
        }
    }

    /**
     * @param legacyFormat    storage ids carry a sixth element (view metadata) in the pre-1.6 format
     * @param classReferences globals outside the allow-list become {@link ClassReference}s instead of being refused;
     *                        any call or BUILD on one is still refused
     */
    TorchPickleResolver(String source, boolean legacyFormat, boolean classReferences) {
        this.source = source;
        this.legacyFormat = legacyFormat;
        this.classReferences = classReferences;
    }

    /** Every storage the pickle referred to, by key, in order of first use. */
    Map<String, TorchTensorRef.Storage> storages() {
        return storages;
    }

    @Override
    public Object global(String module, String name) {
        TorchGlobal g = TorchGlobal.find(module, name);
        if (g == null && classReferences) {
            return new ClassReference(module, name);
        }
        if (g == null) {
            throw new WeightsException(source + ": refused pickle global '" + module + "." + name
                    + "': a weights file may only name torch state-dict types (" + TorchGlobal.allowed()
                    + "); code from a checkpoint is never run");
        }
        return g;
    }

    @Override
    public Object call(Object callable, List<Object> args) {
        if (callable instanceof ClassReference c) {
            throw new WeightsException(source + ": refused pickle call of '" + c + "': a checkpoint may only build "
                    + "torch state-dict types (" + TorchGlobal.allowed() + "); code from a checkpoint is never run");
        }
        if (!(callable instanceof TorchGlobal g)) {
            throw new WeightsException(source + ": pickle calls " + describe(callable) + ", which is not callable");
        }
        return switch (g) {
            case ORDERED_DICT -> {
                if (!args.isEmpty()) {
                    throw badCall(g, args, "no arguments");
                }
                yield new LinkedHashMap<>();
            }
            case REBUILD_TENSOR_V2 -> {
                if (args.size() != 6 && args.size() != 7) {
                    throw badCall(g, args, "(storage, offset, size, stride, requires_grad, hooks[, metadata])");
                }
                yield tensor(g, args);
            }
            case REBUILD_TENSOR -> {
                if (args.size() != 4) {
                    throw badCall(g, args, "(storage, offset, size, stride)");
                }
                yield tensor(g, args);
            }
            case REBUILD_PARAMETER -> {
                if (args.size() != 3 || !(args.get(0) instanceof TorchTensorRef t)) {
                    throw badCall(g, args, "(tensor, requires_grad, hooks)");
                }
                yield t;
            }
            default -> throw new WeightsException(source + ": pickle calls " + g + ", which a state dict never does");
        };
    }

    private TorchTensorRef tensor(TorchGlobal g, List<Object> args) {
        if (!(args.get(0) instanceof TorchTensorRef.Storage storage) || !(args.get(1) instanceof Long offset) || offset < 0) {
            throw badCall(g, args, "a storage and a non-negative offset");
        }
        long[] shape = dims(g, args, args.get(2));
        long[] stride = dims(g, args, args.get(3));
        if (shape.length != stride.length) {
            throw badCall(g, args, "as many strides as sizes");
        }
        return new TorchTensorRef(storage, offset, shape, stride);
    }

    private long[] dims(TorchGlobal g, List<Object> args, Object tuple) {
        if (!RestrictedUnpickler.isTuple(tuple)) {
            throw badCall(g, args, "size and stride tuples");
        }
        List<?> items = (List<?>) tuple;
        long[] out = new long[items.size()];
        for (int i = 0; i < out.length; i++) {
            if (!(items.get(i) instanceof Long v) || v < 0) {
                throw badCall(g, args, "non-negative integer sizes and strides");
            }
            out[i] = v;
        }
        return out;
    }

    @Override
    public Object build(Object object, Object state) {
        if (object instanceof Map<?, ?>) {
            return object; // OrderedDict state sets Python attributes (e.g. _metadata), never items
        }
        throw new WeightsException(source + ": pickle sets the state of " + describe(object)
                + "; a state dict only does that for OrderedDict");
    }

    @Override
    public Object persistentLoad(Object pid) {
        int expected = legacyFormat ? 6 : 5;
        if (!RestrictedUnpickler.isTuple(pid) || ((List<?>) pid).size() != expected) {
            throw badStorage(pid, "a " + expected + "-tuple ('storage', type, key, location, numel"
                    + (legacyFormat ? ", view" : "") + ")");
        }
        List<?> p = (List<?>) pid;
        if (!"storage".equals(p.get(0)) || !(p.get(1) instanceof TorchGlobal g) || g.storageType() == null
                || !(p.get(2) instanceof String key) || !(p.get(4) instanceof Long numel) || numel < 0) {
            throw badStorage(pid, "('storage', torch.<Type>Storage, key, location, numel)");
        }
        if (legacyFormat && p.get(5) != null) {
            throw new WeightsException(source + ": storage '" + key + "' is a storage view, which the pre-1.6 "
                    + "format allowed; re-save the checkpoint with torch.save's default (zip) format");
        }
        TorchTensorRef.Storage storage = new TorchTensorRef.Storage(key, g.storageType(), numel);
        TorchTensorRef.Storage known = storages.putIfAbsent(key, storage);
        if (known != null && !known.equals(storage)) {
            throw new WeightsException(source + ": storage '" + key + "' is declared both as " + known.type() + "["
                    + known.numel() + "] and as " + storage.type() + "[" + storage.numel() + "]");
        }
        return known != null ? known : storage;
    }

    private WeightsException badCall(TorchGlobal g, List<Object> args, String expected) {
        return new WeightsException(source + ": unexpected arguments to " + g + " (" + args.size()
                + " values; expected " + expected + ")");
    }

    private WeightsException badStorage(Object pid, String expected) {
        return new WeightsException(source + ": unexpected persistent id " + describe(pid) + " (expected " + expected + ")");
    }

    private static String describe(Object o) {
        if (o == null) {
            return "None";
        }
        if (o instanceof ClassReference c) {
            return "class " + c;
        }
        String s = o instanceof TorchGlobal || o instanceof String || o instanceof Number ? o.toString()
                : o.getClass().getSimpleName();
        return s.length() > 80 ? s.substring(0, 80) + "…" : s;
    }
}
