package io.vqgen.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import io.vqgen.Reference;
import io.vqgen.weights.ModelFolder;
import io.vqgen.weights.Npy;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** Reference goldens as NDArrays, and the comparisons the model tests make. */
final class Goldens {
    private Goldens() {
    }

    static ModelFolder model(String tiny) {
        return ModelFolder.open(Reference.path(tiny, "model"));
    }

    /** components/{file} of a tiny pipeline, e.g. ("tiny-a", "text_input_ids.npy"). */
    static NDArray component(NDManager manager, String tiny, String file) {
        Npy.Array a = Npy.read(Reference.path(tiny, "components", file));
        return manager.create(a.data(), new Shape(a.shape()), a.type().djlType());
    }

    /** max |actual − expected| after checking shape; both converted to float64 on the host side of the call. */
    static double maxAbsDiff(NDArray actual, NDArray expected) {
        assertEquals(expected.getShape(), actual.getShape(), "shape");
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray a = m.create(actual.toType(DataType.FLOAT64, false).toDoubleArray(), actual.getShape());
            NDArray e = m.create(expected.toType(DataType.FLOAT64, false).toDoubleArray(), expected.getShape());
            return a.sub(e).abs().max().getDouble();
        }
    }
}
