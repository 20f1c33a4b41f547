package io.vqgen.model.layers;

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
import static org.junit.jupiter.api.Assertions.assertSame;

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
            NDArray out = ScaledDotProductAttention.attend(q, k, v, null);
            assertEquals(new Shape(2, 3, 17, 6), out.getShape());
            assertSame(q.getManager(), out.getManager());
            // float32 accumulation over 8-wide dot products and 5 keys: a few float32 ulps of values of order 1
            assertArrayEquals(classic(q, k, v, null), out.toFloatArray(), 2e-6f);
        }
    }

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
            float[] out = ScaledDotProductAttention.attend(q, k, v, mask).toFloatArray();
            assertArrayEquals(classic(q, k, v, mask), out, 2e-6f);
            // the first query sees only the first key: its output is that key's value
            assertArrayEquals(v.get("0, 0, 0").toFloatArray(), new float[] {out[0], out[1], out[2], out[3]}, 0f);
        }
    }

    @Test
    void acceptsNonContiguousViewsAndHalfPrecision() {
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray q = m.randomNormal(new Shape(2, 9, 3, 8)).transpose(0, 2, 1, 3); // [B,H,N,d] view of [B,N,H,d]
            NDArray kv = m.randomNormal(new Shape(2, 7, 3, 8)).transpose(0, 2, 1, 3);
            float[] expected = classic(q, kv, kv, null);
            assertArrayEquals(expected, ScaledDotProductAttention.attend(q, kv, kv, null).toFloatArray(), 2e-6f);
            NDArray half = ScaledDotProductAttention.attend(q.toType(DataType.FLOAT16, false),
                    kv.toType(DataType.FLOAT16, false), kv.toType(DataType.FLOAT16, false), null);
            assertEquals(DataType.FLOAT16, half.getDataType());
            // float16 inputs and output: about 3 significant digits
            assertArrayEquals(expected, half.toType(DataType.FLOAT32, false).toFloatArray(), 5e-3f);
        }
    }

    @Test
    void isSafeToCallFromSeveralThreads() throws Exception {
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray q = m.randomNormal(new Shape(1, 2, 32, 16));
            float[] expected = ScaledDotProductAttention.attend(q, q, q, null).toFloatArray();
            ExecutorService pool = Executors.newFixedThreadPool(4);
            try {
                List<Future<float[]>> results = new ArrayList<>();
                for (int i = 0; i < 16; i++) {
                    results.add(pool.submit(() -> {
                        try (NDManager own = m.newSubManager()) {
                            NDArray copy = q.duplicate();
                            copy.attach(own);
                            return ScaledDotProductAttention.attend(copy, copy, copy, null).toFloatArray();
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
