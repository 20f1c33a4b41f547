package io.vqgen.model.layers;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class LinearTest {

    /** x·Wᵀ + b in float64, rounded to float32. */
    private static float[] exact(NDArray x, NDArray w, NDArray b) {
        NDArray y = x.toType(DataType.FLOAT64, false).matMul(w.toType(DataType.FLOAT64, false).transpose());
        if (b != null) {
            y = y.add(b.toType(DataType.FLOAT64, false));
        }
        return y.toType(DataType.FLOAT32, false).toFloatArray();
    }

    @Test
    void float32OnTheCpuRunsThroughOneDnn() {
        assertTrue(OneDnnLinear.available(), "the bundled libtorch has oneDNN's linear");
        try (NDManager m = NDManager.newBaseManager()) {
            assertTrue(OneDnnLinear.takes(m.zeros(new Shape(1, 2)), m.zeros(new Shape(3, 2))));
            assertEquals(false, OneDnnLinear.takes(m.zeros(new Shape(1, 2), DataType.FLOAT16),
                    m.zeros(new Shape(3, 2), DataType.FLOAT16)));
        }
    }

    /**
     * The plain path (DJL's linear, what a libtorch without oneDNN runs) against oneDNN on bench-like shapes. Both sum
     * n = 512 float32 products, in orders that depend on the kernels, the SIMD width and the thread count, so they
     * need not agree bitwise; each lies within γ_n·Σ|x_i·w_i| of the exact value (γ_n = n·u/(1 − n·u), u = 2^-24, the
     * standard bound for any summation order), so they differ by at most twice that, per output.
     */
    @Test
    void plainFallbackMatchesOneDnnWithinFloat32Rounding() {
        try (NDManager m = NDManager.newBaseManager()) {
            int n = 512;
            NDArray x = m.randomNormal(new Shape(2, 64, n));
            NDArray w = m.randomNormal(new Shape(384, n)).div((float) Math.sqrt(n));
            NDArray b = m.randomNormal(new Shape(384));
            double gamma = n * 0x1p-24 / (1 - n * 0x1p-24);
            double[] bound = x.toType(DataType.FLOAT64, false).abs()
                    .matMul(w.toType(DataType.FLOAT64, false).abs().transpose()).mul(2 * gamma).toDoubleArray();
            for (NDArray bias : new NDArray[] {b, null}) {
                float[] fast = OneDnnLinear.apply(x, w, bias).toFloatArray();
                float[] plain = Linear.plain(x, w, bias).toFloatArray();
                double worst = 0;
                for (int i = 0; i < fast.length; i++) {
                    // the bias add is one more rounding of each result: half an ulp of the output, on both sides
                    double allowed = bound[i] + Math.ulp(Math.max(Math.abs(fast[i]), Math.abs(plain[i])));
                    assertTrue(Math.abs(fast[i] - plain[i]) <= allowed, "output " + i + ": " + fast[i] + " vs " + plain[i]);
                    worst = Math.max(worst, Math.abs(fast[i] - plain[i]) / allowed);
                }
                System.out.printf("linear, oneDNN vs plain (%s bias): worst |difference| at %.3g of the bound%n",
                        bias == null ? "without" : "with", worst);
            }
        }
    }

    @Test
    void computesTheAffineMapOverTheLastDimensionWithAndWithoutBias() {
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray w = m.randomNormal(new Shape(40, 24)).div(5f);
            NDArray b = m.randomNormal(new Shape(40));
            // 3-D, 2-D and a non-contiguous (transposed) input
            NDArray[] inputs = {m.randomNormal(new Shape(2, 33, 24)), m.randomNormal(new Shape(7, 24)),
                    m.randomNormal(new Shape(2, 24, 9)).transpose(0, 2, 1)};
            for (NDArray x : inputs) {
                NDArray withBias = new Linear(w, b).forward(x);
                NDArray noBias = new Linear(w, null).forward(x);
                Shape expected = x.getShape().slice(0, x.getShape().dimension() - 1).add(40);
                assertEquals(expected, withBias.getShape());
                assertEquals(x.getManager(), withBias.getManager());
                // float32 products accumulated over 24 terms of size ~1: a few ulps of outputs of size ~5
                assertArrayEquals(exact(x, w, b), withBias.toFloatArray(), 5e-6f);
                assertArrayEquals(exact(x, w, null), noBias.toFloatArray(), 5e-6f);
                assertArrayEquals(exact(x, w, b), Linear.plain(x, w, b).toFloatArray(), 5e-6f, "the fallback");
                assertArrayEquals(exact(x, w, null), Linear.plain(x, w, null).toFloatArray(), 5e-6f, "the fallback");
            }
        }
    }

    @Test
    void otherTypesKeepDjlsLinear() {
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray x = m.randomNormal(new Shape(3, 8));
            NDArray w = m.randomNormal(new Shape(5, 8));
            NDArray y = new Linear(w.toType(DataType.FLOAT16, false), null).forward(x.toType(DataType.FLOAT16, false));
            assertEquals(DataType.FLOAT16, y.getDataType());
            assertArrayEquals(exact(x, w, null), y.toType(DataType.FLOAT32, false).toFloatArray(), 2e-2f);
        }
    }
}
