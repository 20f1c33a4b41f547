package io.vqgen.diffusion;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import org.junit.jupiter.api.Test;

import java.util.Arrays;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class PerImageNoiseTest {
    private static final long[] SEEDS = {11, -3, 1L << 40};

    @Test
    void anImageDrawsTheSameAloneAsInABatch() {
        try (NDManager m = NDManager.newBaseManager()) {
            m.getEngine().setRandomSeed(0);
            NDArray logp = m.randomNormal(0, 4, new Shape(3, 4097, 256), DataType.FLOAT32).logSoftmax(1);
            PerImageNoise batch = new PerImageNoise(SEEDS);
            long[] together = batch.sampleClasses(logp, 7).toLongArray();
            double[] uTogether = batch.uniforms(m, 3, 256, 7).toDoubleArray();
            for (int b = 0; b < 3; b++) {
                PerImageNoise alone = new PerImageNoise(SEEDS[b]);
                long[] single = alone.sampleClasses(logp.get(new NDIndex(b + ":" + (b + 1))), 7).toLongArray();
                long[] part = Arrays.copyOfRange(together, b * 256, (b + 1) * 256);
                assertArrayEquals(part, single, "image " + b);
                assertArrayEquals(Arrays.copyOfRange(uTogether, b * 256, (b + 1) * 256),
                        alone.uniforms(m, 1, 256, 7).toDoubleArray());
            }
        }
    }

    /** The CPU strategy (a scan on the host) and the tensor one (cumsum) draw the same classes, whatever the layout. */
    @Test
    void hostAndTensorScansDrawTheSameClasses() {
        try (NDManager m = NDManager.newBaseManager()) {
            m.getEngine().setRandomSeed(3);
            int batch = 2;
            int length = 300;
            NDArray logits = m.randomNormal(0, 6, new Shape(batch, length, 1025), DataType.FLOAT32);
            NDArray classesContiguous = logits.logSoftmax(2).transpose(0, 2, 1); // the model's layout
            NDArray tokensContiguous = classesContiguous.duplicate().reshape(-1).reshape(batch, 1025, length);
            float[] u = new float[batch * length];
            for (int i = 0; i < u.length; i++) {
                u[i] = (i * 7919 % 16777216) * 0x1p-24f;
            }
            u[5] = 1 - 0x1p-24f;
            for (NDArray logp : new NDArray[] {classesContiguous, tokensContiguous}) {
                NDArray weights = logp.sub(logp.max(new int[] {1}, true)).exp();
                assertArrayEquals(PerImageNoise.scanOnDevice(weights, m.create(u, new Shape(batch, 1, length))).toLongArray(),
                        PerImageNoise.scanOnHost(weights, u, batch, length).toLongArray());
            }
            NDArray nan = m.create(new float[] {Float.NaN, Float.NaN, Float.NaN}, new Shape(1, 3, 1));
            float[] half = {0.5f};
            assertArrayEquals(PerImageNoise.scanOnDevice(nan, m.create(half, new Shape(1, 1, 1))).toLongArray(),
                    PerImageNoise.scanOnHost(nan, half, 1, 1).toLongArray());
        }
    }

    @Test
    void callsAndStreamsDiffer() {
        try (NDManager m = NDManager.newBaseManager()) {
            PerImageNoise noise = new PerImageNoise(5);
            double[] a = noise.uniforms(m, 1, 64, 0).toDoubleArray();
            double[] b = noise.uniforms(m, 1, 64, 1).toDoubleArray();
            double[] c = new PerImageNoise(6).uniforms(m, 1, 64, 0).toDoubleArray();
            assertFalse(Arrays.equals(a, b));
            assertFalse(Arrays.equals(a, c));
            for (double u : a) {
                assertTrue(u > 0 && u < 1);
            }
        }
    }

    /**
     * Class frequencies over 20,000 draws from a fixed 5-class distribution: Pearson chi-square with 4 degrees of
     * freedom below 18.47, the 0.1% false-alarm quantile (the seed is fixed, so the outcome is deterministic).
     */
    @Test
    void drawsFollowTheDistribution() {
        double[] p = {0.5, 0.25, 0.15, 0.0999, 0.0001};
        int n = 20_000;
        float[] logp = new float[p.length * n];
        for (int c = 0; c < p.length; c++) {
            for (int j = 0; j < n; j++) {
                logp[c * n + j] = (float) Math.log(p[c]);
            }
        }
        try (NDManager m = NDManager.newBaseManager()) {
            long[] got = new PerImageNoise(2024).sampleClasses(m.create(logp, new Shape(1, p.length, n)), 0)
                    .toLongArray();
            long[] counts = new long[p.length];
            for (long c : got) {
                counts[(int) c]++;
            }
            assertTrue(ChiSquare.statistic(counts, p) < ChiSquare.CRITICAL_DF4, Arrays.toString(counts));
        }
    }

    @Test
    void neverDrawsAnImpossibleClass() {
        float ninf = Float.NEGATIVE_INFINITY;
        try (NDManager m = NDManager.newBaseManager()) {
            float half = (float) Math.log(0.5);
            // [1, 5 classes, 2 positions]: position 0 is class 1 or 3 (1/2 each), position 1 is class 3
            float[] logp = {ninf, ninf, half, ninf, ninf, ninf, half, 0, ninf, ninf};
            NDArray x = m.create(logp, new Shape(1, 5, 2));
            long[] seen = new long[5];
            for (int call = 0; call < 200; call++) {
                long[] got = new PerImageNoise(call).sampleClasses(x, call).toLongArray();
                seen[(int) got[0]]++;
                assertEquals(3, got[1]);
            }
            assertEquals(200, seen[1] + seen[3], Arrays.toString(seen));
        }
    }

    @Test
    void rejectsBatchMismatch() {
        try (NDManager m = NDManager.newBaseManager()) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> new PerImageNoise(1, 2).sampleClasses(m.zeros(new Shape(3, 4, 5)), 0));
            assertEquals("per-image noise has 2 seeds but the batch has 3 images", e.getMessage());
            e = assertThrows(IllegalArgumentException.class, PerImageNoise::new);
            assertEquals("per-image noise needs one seed per image, got none", e.getMessage());
            e = assertThrows(IllegalArgumentException.class,
                    () -> new PerImageNoise(1).sampleClasses(m.zeros(new Shape(4, 5)), 0));
            assertEquals("log-probabilities must be [batch, classes, tokens], got (4, 5)", e.getMessage());
        }
    }
}
