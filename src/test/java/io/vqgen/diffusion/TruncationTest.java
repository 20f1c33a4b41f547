package io.vqgen.diffusion;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.util.function.BiFunction;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class TruncationTest {
    private static final BiFunction<NDArray, Float, NDArray> SELECT =
            (x, r) -> Truncation.apply(x, Truncation.selectThresholds(x, r));
    private static final BiFunction<NDArray, Float, NDArray> SORT =
            (x, r) -> Truncation.apply(x, Truncation.sortThresholds(x, r));

    /** Bit for bit, -inf positions included: the reference output is exact, so is the port. */
    @ParameterizedTest
    @CsvSource({"tiny-a,1.0", "tiny-a,0.86", "tiny-a,0.5", "tiny-a,0.0", "tiny-b,1.0", "tiny-b,0.86", "tiny-b,0.5",
            "tiny-b,0.0"})
    void matchesReferenceGoldens(String model, String rate) {
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray in = Goldens.load(m, model, "truncate_in_log_p_x_0.npy");
            float[] want = Goldens.floats(model, "truncate_out_" + rate + ".npy");
            double r = Double.parseDouble(rate);
            assertArrayEquals(want, Truncation.truncate(in, r).toFloatArray());
            assertArrayEquals(want, SELECT.apply(in, (float) r).toFloatArray());
            assertArrayEquals(want, SORT.apply(in, (float) r).toFloatArray());
        }
    }

    /**
     * At the real size (4096 classes) both strategies agree bit for bit with diffusers' procedure transcribed op for
     * op, on flat and on peaked distributions, where rate 1.0 cuts deep into the tail.
     */
    @ParameterizedTest
    @CsvSource({"1.0,1.0", "1.0,0.86", "1.0,0.0", "6.0,1.0", "6.0,0.86", "6.0,0.5", "12.0,1.0", "12.0,0.99"})
    void matchesDiffusersProcedureOnLargeInputs(float spread, float rate) {
        try (NDManager m = NDManager.newBaseManager()) {
            m.getEngine().setRandomSeed(42);
            NDArray logp = m.randomNormal(0, spread, new Shape(2, 4096, 64), DataType.FLOAT32).logSoftmax(1);
            float[] want = DiffusersTruncate.truncate(logp, rate).toFloatArray();
            assertArrayEquals(want, SELECT.apply(logp, rate).toFloatArray());
            assertArrayEquals(want, SORT.apply(logp, rate).toFloatArray());
        }
    }

    /** The device strategy sorts a large batch a few whole images at a time: the same thresholds as in one piece. */
    @Test
    void sortingInPiecesGivesTheSameThresholds() {
        try (NDManager m = NDManager.newBaseManager()) {
            m.getEngine().setRandomSeed(5);
            NDArray logp = m.randomNormal(0, 6, new Shape(5, 512, 16), DataType.FLOAT32).logSoftmax(1);
            float[] whole = Truncation.sortThresholds(logp, 0.86f, Long.MAX_VALUE).toFloatArray();
            for (long piece : new long[] {1, 512 * 16, 2 * 512 * 16, 3 * 512 * 16 - 1}) {
                NDArray pieces = Truncation.sortThresholds(logp, 0.86f, piece);
                assertEquals(new Shape(5, 1, 16), pieces.getShape());
                assertArrayEquals(whole, pieces.toFloatArray(), "pieces of " + piece + " elements");
            }
        }
    }

    @Test
    void rateOneStillDropsTheTailOfPeakedColumns() {
        try (NDManager m = NDManager.newBaseManager()) {
            m.getEngine().setRandomSeed(7);
            NDArray logp = m.randomNormal(0, 12, new Shape(1, 4096, 32), DataType.FLOAT32).logSoftmax(1);
            long dropped = Truncation.truncate(logp, 1.0).isInfinite().sum().getLong();
            assertTrue(dropped > 0, "rate 1.0 should drop classes once the float32 prefix reaches 1");
        }
    }

    /** Equal values straddling the cut: torch keeps an arbitrary subset; the port keeps all of them. */
    @Test
    void keepsEveryClassTiedWithTheLastKeptOne() {
        try (NDManager m = NDManager.newBaseManager()) {
            float third = (float) Math.log(0.3);
            float[] column = {(float) Math.log(0.4), third, third, (float) Math.log(0.0001)};
            NDArray logp = m.create(column, new Shape(1, 4, 1));
            float ninf = Float.NEGATIVE_INFINITY;
            // 0.4 < 0.5, then 0.7 >= 0.5 at the first 0.3: the reference keeps one of the two 0.3s, the port both
            float[] want = {column[0], third, third, ninf};
            assertArrayEquals(want, SELECT.apply(logp, 0.5f).toFloatArray());
            assertArrayEquals(want, SORT.apply(logp, 0.5f).toFloatArray());
        }
    }

    @Test
    void allMinusInfinityColumnStaysMinusInfinity() {
        try (NDManager m = NDManager.newBaseManager()) {
            float ninf = Float.NEGATIVE_INFINITY;
            NDArray logp = m.create(new float[] {ninf, ninf, ninf}, new Shape(1, 3, 1));
            assertArrayEquals(new float[] {ninf, ninf, ninf}, Truncation.truncate(logp, 0.5).toFloatArray());
        }
    }

    @Test
    void rejectsBadInput() {
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray ok = m.zeros(new Shape(1, 3, 2));
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> Truncation.truncate(ok, 1.5));
            assertEquals("truncation rate must be in [0, 1], got 1.5", e.getMessage());
            e = assertThrows(IllegalArgumentException.class, () -> Truncation.truncate(ok, Double.NaN));
            assertEquals("truncation rate must be in [0, 1], got NaN", e.getMessage());
            e = assertThrows(IllegalArgumentException.class, () -> Truncation.truncate(m.zeros(new Shape(3, 2)), 1));
            assertEquals("log-probabilities must be [batch, classes, tokens], got (3, 2)", e.getMessage());
            e = assertThrows(IllegalArgumentException.class,
                    () -> Truncation.truncate(m.zeros(new Shape(1, 3, 2), DataType.FLOAT64), 1));
            assertEquals("log-probabilities must be float32, got float64", e.getMessage());
        }
    }
}
