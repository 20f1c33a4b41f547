package io.vqgen.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import io.vqgen.diffusion.Guidance;
import io.vqgen.weights.LoadOptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The two guided entry points of {@link Transformer2D} against the plain batched pass they replace. */
class Transformer2DGuidanceTest {

    @ParameterizedTest
    @CsvSource({"tiny-a,99", "tiny-a,3", "tiny-b,99", "tiny-b,3"})
    void pairedPredictionIsBitIdenticalToOneBatchedPassOverBothContexts(String tiny, int t) {
        try (NDManager m = NDManager.newBaseManager();
             Transformer2D transformer = Transformer2D.load(Goldens.model(tiny), LoadOptions.cpuFloat32(), m)) {
            NDArray tokens = Goldens.component(m, tiny, "transformer_in_latents.npy");
            NDArray cond = Goldens.component(m, tiny, "transformer_in_encoder_hidden_states.npy");
            NDArray uncond = m.randomNormal(cond.getShape());
            NDArray batched = transformer.logPx0(NDArrays.concat(new NDList(tokens, tokens), 0),
                    NDArrays.concat(new NDList(uncond, cond), 0), t);
            NDArray paired = transformer.pairedLogPx0(tokens, uncond, cond, t);
            assertEquals(batched.getShape(), paired.getShape());
            // reference noise mode reproduces diffusers' token grids through this path: sharing the first
            // self-attention must not change a bit
            assertArrayEquals(batched.toFloatArray(), paired.toFloatArray());
        }
    }

    @ParameterizedTest
    @CsvSource({"tiny-a,5.0", "tiny-b,5.0", "tiny-b,1.5", "tiny-b,-2.0"})
    void guidedPredictionEqualsTheMixOfLogProbabilities(String tiny, double scale) {
        try (NDManager m = NDManager.newBaseManager();
             Transformer2D transformer = Transformer2D.load(Goldens.model(tiny), LoadOptions.cpuFloat32(), m)) {
            NDArray tokens = Goldens.component(m, tiny, "transformer_in_latents.npy");
            NDArray cond = Goldens.component(m, tiny, "transformer_in_encoder_hidden_states.npy");
            NDArray uncond = m.randomNormal(cond.getShape());
            long b = tokens.getShape().get(0);
            NDArray paired = transformer.pairedLogPx0(tokens, uncond, cond, 50);
            NDArray expected = Guidance.combine(paired.get("0:" + b), paired.get(b + ":"), scale);
            NDArray guided = transformer.guidedLogPx0(tokens, uncond, cond, 50, scale);
            assertEquals(expected.getShape(), guided.getShape());
            double err = Goldens.maxAbsDiff(guided, expected);
            System.out.printf("%s guided (scale %.1f) vs mixed log-probs: max abs difference %.3g%n", tiny, scale, err);
            assertTrue(err < TOLERANCE, "max abs difference " + err);
        }
    }

    /**
     * The two orders of arithmetic differ by float32 rounding only: diffusers rounds both log-probability sets to
     * float32 before mixing them, which multiplies their rounding (≈ 5e-7 for log-probs of magnitude up to 8) by
     * |scale| and |1 − scale|; 2e-5 covers scale 5 with a margin and is far below any real mistake (a wrong sign or
     * a mix taken before the norm moves log-probs by more than 1e-2).
     */
    private static final double TOLERANCE = 2e-5;

    @Test
    void refusesMismatchedOrMissingTextStatesAndNonFiniteScales() {
        try (NDManager m = NDManager.newBaseManager();
             Transformer2D transformer = Transformer2D.load(Goldens.model("tiny-b"), LoadOptions.cpuFloat32(), m)) {
            NDArray tokens = Goldens.component(m, "tiny-b", "transformer_in_latents.npy");
            NDArray cond = Goldens.component(m, "tiny-b", "transformer_in_encoder_hidden_states.npy");
            long b = tokens.getShape().get(0);
            NDArray shorter = m.zeros(new Shape(b, 5, cond.getShape().get(2)));
            ModelException e = assertThrows(ModelException.class, () -> transformer.pairedLogPx0(tokens, shorter, cond, 1));
            assertEquals("transformer: unconditional and conditional text states must have one shape, got " + shorter.getShape()
                    + " and " + cond.getShape(), e.getMessage());
            e = assertThrows(ModelException.class, () -> transformer.pairedLogPx0(tokens, null, cond, 1));
            assertEquals("transformer: guidance needs both the unconditional and the conditional text states", e.getMessage());
            e = assertThrows(ModelException.class, () -> transformer.guidedLogPx0(tokens, cond, cond, 1, Double.NaN));
            assertEquals("transformer: guidance scale must be finite, got NaN", e.getMessage());
            NDArray oneRow = cond.get("0:1");
            if (b > 1) {
                e = assertThrows(ModelException.class, () -> transformer.guidedLogPx0(tokens, oneRow, oneRow, 1, 5.0));
                assertTrue(e.getMessage().startsWith("transformer: encoder hidden states must be float [" + b), e.getMessage());
            }
        }
    }
}
