package io.vqgen.model.layers;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ScaledDotProductAttentionTest {

    /** softmax(Q·Kᵀ + mask)·V with plain ops, accumulated in float64. */
    private static float[] classic(NDArray q, NDArray k, NDArray v, NDArray mask) {
        NDArray scores = q.toType(DataType.FLOAT64, false).matMul(k.toType(DataType.FLOAT64, false).transpose(0, 1, 3, 2));
        if (mask != null) {
            scores = scores.add(mask.toType(DataType.FLOAT64, false));
        }
        return scores.softmax(-1).matMul(v.toType(DataType.FLOAT64, false)).toType(DataType.FLOAT32, false).toFloatArray();
    }

    @Test
    void equalsSoftmaxOfScoresTimesValuesWithDifferentKeyAndValueLengths() {
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray q = m.randomNormal(new Shape(2, 3, 17, 8)).mul(0.35f);
            NDArray k = m.randomNormal(new Shape(2, 3, 5, 8));
            NDArray v = m.randomNormal(new Shape(2, 3, 5, 6));
            for (Path path : PATHS) {
                NDArray out = path.attend(q, k, v, null);
                assertEquals(new Shape(2, 3, 17, 6), out.getShape());
                assertSame(q.getManager(), out.getManager());
                // float32 accumulation over 8-wide dot products and 5 keys: a few float32 ulps of values of order 1
                assertArrayEquals(classic(q, k, v, null), out.toFloatArray(), 2e-6f);
            }
        }
    }

    /** The two ways of computing attention: libtorch's fused kernel, and the plain fallback. */
    private interface Path {
        NDArray attend(NDArray q, NDArray k, NDArray v, NDArray mask);
    }

    private static final List<Path> PATHS = List.of(ScaledDotProductAttention::fused, ScaledDotProductAttention::plain);

    @Test
    void addsABroadcastMaskToTheScores() {
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray q = m.randomNormal(new Shape(1, 2, 6, 4));
            NDArray k = m.randomNormal(new Shape(1, 2, 6, 4));
            NDArray v = m.randomNormal(new Shape(1, 2, 6, 4));
            // causal, as CLIP builds it: float32's lowest value above the diagonal
            NDArray positions = m.arange(6f);
            NDArray mask = positions.reshape(1, 6).gt(positions.reshape(6, 1)).toType(DataType.FLOAT32, false)
                    .mul(-Float.MAX_VALUE);
            for (Path path : PATHS) {
                float[] out = path.attend(q, k, v, mask).toFloatArray();
                assertArrayEquals(classic(q, k, v, mask), out, 2e-6f);
                // the first query sees only the first key: its output is that key's value
                assertArrayEquals(v.get("0, 0, 0").toFloatArray(), new float[] {out[0], out[1], out[2], out[3]}, 0f);
            }
        }
    }

    @Test
    void acceptsNonContiguousViewsAndHalfPrecision() {
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray q = m.randomNormal(new Shape(2, 9, 3, 8)).transpose(0, 2, 1, 3); // [B,H,N,d] view of [B,N,H,d]
            NDArray kv = m.randomNormal(new Shape(2, 7, 3, 8)).transpose(0, 2, 1, 3);
            float[] expected = classic(q, kv, kv, null);
            for (Path path : PATHS) {
                assertArrayEquals(expected, path.attend(q, kv, kv, null).toFloatArray(), 2e-6f);
                NDArray half = path.attend(q.toType(DataType.FLOAT16, false), kv.toType(DataType.FLOAT16, false),
                        kv.toType(DataType.FLOAT16, false), null);
                assertEquals(DataType.FLOAT16, half.getDataType());
                // float16 inputs and output: about 3 significant digits
                assertArrayEquals(expected, half.toType(DataType.FLOAT32, false).toFloatArray(), 5e-3f);
            }
        }
    }

    /** This engine has the fused kernel for float32 and float16 on the CPU; float64 always takes the plain path. */
    @Test
    void choosesTheFusedKernelWhereItPassedItsProbe() {
        assertTrue(ScaledDotProductAttention.fusedFor(Device.cpu(), DataType.FLOAT32), "the bundled libtorch has it");
        assertTrue(ScaledDotProductAttention.fusedFor(Device.cpu(), DataType.FLOAT16));
        assertFalse(ScaledDotProductAttention.fusedFor(Device.cpu(), DataType.FLOAT64),
                "float64 keeps the reference's float32 softmax, which the kernel would not");
    }

    /**
     * The plain path (what a libtorch without the fused kernel runs) against the fused kernel at the bench model's
     * shapes: 1024 queries over 1024 keys (self-attention) and 77 (cross-attention), 8 heads of 64. Neither path is
     * exact in float32: each score q·k sums d = 64 products (error ≤ γ_d·Σ|q_i·k_i|, γ_d = d·u/(1 − d·u),
     * u = 2^-24), which moves each softmax weight by a factor within e^{±2ε} for a score error ε, and each output,
     * a weighted mean of values, sums M weighted terms (≤ γ_M·max|v| more); the exponentials and the normalisation
     * add a few u. Two evaluations differ by at most twice one's error: per output
     * 2·(2·ε_max + (M + 8)·u)·max|v|, with ε_max the largest score bound. The observed difference is far smaller.
     */
    @Test
    void plainFallbackMatchesTheFusedKernelWithinFloat32Rounding() {
        try (NDManager m = NDManager.newBaseManager()) {
            int d = 64;
            for (int keys : new int[] {1024, 77}) {
                NDArray q = m.randomNormal(new Shape(1, 8, 1024, d)).mul((float) Math.pow(d, -0.5));
                NDArray k = m.randomNormal(new Shape(1, 8, keys, d));
                NDArray v = m.randomNormal(new Shape(1, 8, keys, d));
                double u = 0x1p-24;
                double scoreBound = d * u / (1 - d * u) * q.toType(DataType.FLOAT64, false).abs()
                        .matMul(k.toType(DataType.FLOAT64, false).abs().transpose(0, 1, 3, 2)).max().getDouble();
                double tolerance = 2 * (2 * scoreBound + (keys + 8) * u) * v.abs().max().getFloat();
                float[] fused = ScaledDotProductAttention.fused(q, k, v, null).toFloatArray();
                float[] plain = ScaledDotProductAttention.plain(q, k, v, null).toFloatArray();
                double worst = 0;
                for (int i = 0; i < fused.length; i++) {
                    worst = Math.max(worst, Math.abs(fused[i] - plain[i]));
                }
                System.out.printf("attention over %d keys, fused vs plain: max |difference| %.3g (bound %.3g)%n",
                        keys, worst, tolerance);
                assertTrue(worst <= tolerance, "max |fused − plain| " + worst + " > " + tolerance);
            }
        }
    }

    @Test
    void isSafeToCallFromSeveralThreads() throws Exception {
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray q = m.randomNormal(new Shape(1, 2, 32, 16));
            float[] expected = ScaledDotProductAttention.fused(q, q, q, null).toFloatArray();
            ExecutorService pool = Executors.newFixedThreadPool(4);
            try {
                List<Future<float[]>> results = new ArrayList<>();
                for (int i = 0; i < 16; i++) {
                    results.add(pool.submit(() -> {
                        try (NDManager own = m.newSubManager()) {
                            NDArray copy = q.duplicate();
                            copy.attach(own);
                            return ScaledDotProductAttention.fused(copy, copy, copy, null).toFloatArray();
                        }
                    }));
                }
                for (Future<float[]> r : results) {
                    assertArrayEquals(expected, r.get(), 0f);
                }
            } finally {
                pool.shutdownNow();
            }
        }
    }
}
