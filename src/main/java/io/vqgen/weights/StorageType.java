package io.vqgen.weights;

import ai.djl.ndarray.types.DataType;

/** Element types a checkpoint may store, with their on-disk width. */
public enum StorageType {
    F64(8, DataType.FLOAT64),
    F32(4, DataType.FLOAT32),
    F16(2, DataType.FLOAT16),
    BF16(2, DataType.BFLOAT16),
    I64(8, DataType.INT64),
    I32(4, DataType.INT32),
    I16(2, DataType.INT16),
    I8(1, DataType.INT8),
    U8(1, DataType.UINT8),
    BOOL(1, DataType.BOOLEAN);

    private final int bytes;
    private final DataType djl;

    StorageType(int bytes, DataType djl) {
        this.bytes = bytes;
        this.djl = djl;
    }

    public int bytes() {
        return bytes;
    }

    public DataType djlType() {
        return djl;
    }

    /**
     * The DJL type an NDArray of this storage is created with. DJL 0.36's PyTorch engine has no bfloat16 or
     * int16 (the native library aborts the JVM on them), so those widen exactly to float32 and int32.
     */
    public DataType loadType() {
        return switch (this) {
            case BF16 -> DataType.FLOAT32;
            case I16 -> DataType.INT32;
            default -> djl;
        };
    }

    public boolean isFloating() {
        return this == F64 || this == F32 || this == F16 || this == BF16;
    }

    /** The safetensors header name ("F32", "BF16", ...) → type, or null when the name is not one of ours. */
    public static StorageType fromSafetensors(String name) {
        for (StorageType t : values()) {
            if (t.name().equals(name)) {
                return t;
            }
        }
        return null;
    }
}
