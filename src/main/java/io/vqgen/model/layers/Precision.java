package io.vqgen.model.layers;

import ai.djl.ndarray.types.DataType;

/** Where half precision is not enough (norm statistics, attention scores): compute in float32, or wider if given. */
public final class Precision {
    private Precision() {
    }

    public static DataType atLeastFloat32(DataType type) {
        return type == DataType.FLOAT64 ? DataType.FLOAT64 : DataType.FLOAT32;
    }
}
