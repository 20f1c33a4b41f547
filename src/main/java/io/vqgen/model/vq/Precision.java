package io.vqgen.model.vq;

import ai.djl.ndarray.types.DataType;

/** Where half precision is not enough (norm statistics, softmax): compute in float32, or wider if given. */
final class Precision {
    private Precision() {
    }

    static DataType atLeastFloat32(DataType type) {
        return type == DataType.FLOAT64 ? DataType.FLOAT64 : DataType.FLOAT32;
    }
}
