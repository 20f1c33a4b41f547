package io.vqgen.diffusion;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import io.vqgen.Reference;
import io.vqgen.weights.Npy;
import io.vqgen.weights.StorageType;

import java.nio.file.Path;

/** Reference .npy files as NDArrays. */
final class Goldens {
    private Goldens() {
    }

    static NDArray load(NDManager manager, String model, String file) {
        return load(manager, Reference.path(model, "components", file));
    }

    static NDArray load(NDManager manager, Path file) {
        Npy.Array a = Npy.read(file);
        Shape shape = new Shape(a.shape());
        if (a.type() == StorageType.I64) {
            return manager.create(a.toLongs(), shape);
        }
        return manager.create(a.toFloats(), shape);
    }

    static float[] floats(String model, String file) {
        return Npy.read(Reference.path(model, "components", file)).toFloats();
    }
}
