package io.vqgen.model.vq;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import io.vqgen.weights.Npy;

import java.nio.file.Path;

/** Reference .npy arrays as NDArrays, and the comparisons the VQ-VAE tests make. */
final class Goldens {
    private Goldens() {
    }

    static NDArray load(NDManager manager, Path file) {
        Npy.Array a = Npy.read(file);
        return manager.create(a.data(), new Shape(a.shape()), a.type().djlType());
    }

    static double maxAbsDiff(NDArray a, NDArray b) {
        if (!a.getShape().equals(b.getShape())) {
            throw new AssertionError("shape " + a.getShape() + " != expected " + b.getShape());
        }
        float[] x = a.toFloatArray();
        float[] y = b.toFloatArray();
        double max = 0;
        for (int i = 0; i < x.length; i++) {
            double d = Math.abs((double) x[i] - y[i]);
            if (!(d <= max)) {
                max = d;
            }
        }
        return max;
    }
}
