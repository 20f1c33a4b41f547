package io.vqgen.diffusion;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class GuidanceTest {

    /**
     * Against the formula evaluated in float64 on the same float32 inputs: float32 evaluation of
     * u + s(c - u) and of the logsumexp rounds at most a few ulps of values up to ~60 in magnitude (2^-17 = 7.6e-6
     * is one ulp at 64).
     */
    @Test
    void mixesAndRenormalises() {
        int classes = 7;
        int tokens = 5;
        double scale = 5.0;
        try (NDManager m = NDManager.newBaseManager()) {
            m.getEngine().setRandomSeed(3);
            NDArray u = m.randomNormal(0, 2, new Shape(2, classes, tokens), DataType.FLOAT32).logSoftmax(1);
            NDArray c = m.randomNormal(0, 2, new Shape(2, classes, tokens), DataType.FLOAT32).logSoftmax(1);
            float[] got = Guidance.combine(u, c, scale).toFloatArray();
            float[] uf = u.toFloatArray();
            float[] cf = c.toFloatArray();
            for (int b = 0; b < 2; b++) {
                for (int n = 0; n < tokens; n++) {
                    double[] mixed = new double[classes];
                    double z = 0;
                    for (int k = 0; k < classes; k++) {
                        int i = (b * classes + k) * tokens + n;
                        mixed[k] = uf[i] + scale * ((double) cf[i] - uf[i]);
                        z += Math.exp(mixed[k]);
                    }
                    for (int k = 0; k < classes; k++) {
                        assertEquals(mixed[k] - Math.log(z), got[(b * classes + k) * tokens + n], 0x1p-17);
                    }
                }
            }
        }
    }

    @Test
    void rejectsMismatchedPredictions() {
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray a = m.zeros(new Shape(1, 3, 2));
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> Guidance.combine(a, m.zeros(new Shape(1, 3, 3)), 2));
            assertEquals("guidance needs two [batch, classes, tokens] predictions of one shape, got (1, 3, 2) and "
                    + "(1, 3, 3)", e.getMessage());
            e = assertThrows(IllegalArgumentException.class, () -> Guidance.combine(a, a, Double.NaN));
            assertEquals("guidance scale must be finite, got NaN", e.getMessage());
            e = assertThrows(IllegalArgumentException.class,
                    () -> Guidance.combine(a, m.zeros(new Shape(1, 3, 2), DataType.FLOAT64), 2));
            assertEquals("guidance needs float32 predictions, got float32 and float64", e.getMessage());
        }
    }
}
