package io.vqgen.weights;

/** The only globals a torch.save state-dict pickle may name; any other global is refused before anything is called. */
enum TorchGlobal {
    ORDERED_DICT("collections", "OrderedDict", null),
    REBUILD_TENSOR_V2("torch._utils", "_rebuild_tensor_v2", null),
    REBUILD_TENSOR("torch._utils", "_rebuild_tensor", null),
    REBUILD_PARAMETER("torch._utils", "_rebuild_parameter", null),
    DOUBLE_STORAGE("torch", "DoubleStorage", StorageType.F64),
    FLOAT_STORAGE("torch", "FloatStorage", StorageType.F32),
    HALF_STORAGE("torch", "HalfStorage", StorageType.F16),
    BFLOAT16_STORAGE("torch", "BFloat16Storage", StorageType.BF16),
    LONG_STORAGE("torch", "LongStorage", StorageType.I64),
    INT_STORAGE("torch", "IntStorage", StorageType.I32),
    SHORT_STORAGE("torch", "ShortStorage", StorageType.I16),
    CHAR_STORAGE("torch", "CharStorage", StorageType.I8),
    BYTE_STORAGE("torch", "ByteStorage", StorageType.U8),
    BOOL_STORAGE("torch", "BoolStorage", StorageType.BOOL);

    private final String module;
    private final String name;
    private final StorageType storageType;

    TorchGlobal(String module, String name, StorageType storageType) {
        this.module = module;
        this.name = name;
        this.storageType = storageType;
    }

    /** The storage element type when this global is a torch.*Storage class, else null. */
    StorageType storageType() {
        return storageType;
    }

    static TorchGlobal find(String module, String name) {
        for (TorchGlobal g : values()) {
            if (g.module.equals(module) && g.name.equals(name)) {
                return g;
            }
        }
        return null;
    }

    static String allowed() {
        StringBuilder sb = new StringBuilder();
        for (TorchGlobal g : values()) {
            sb.append(sb.length() == 0 ? "" : ", ").append(g);
        }
        return sb.toString();
    }

    @Override
    public String toString() {
        return module + "." + name;
    }
}
