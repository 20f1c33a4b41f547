package io.vqgen.diffusion;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.vqgen.Reference;
import io.vqgen.weights.ComponentConfig;
import io.vqgen.weights.WeightsException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class VqDiffusionSchedulerTest {
    /**
     * q_posterior is a sum of terms of magnitude up to ~80 (log 1e-30 plus log c~_t and logsumexp offsets) that
     * largely cancel; one float32 ulp at [64, 128) is 7.6e-6. The port evaluates the same float32 formulas, but
     * on torch 2.7.1's exp/log/log1p kernels and reduction order instead of 1.13's, so a few percent of the
     * elements land an ulp or two of such a term away (observed maximum 3.8e-6 = one ulp at [32, 64)).
     */
    private static final double POSTERIOR_TOLERANCE = 0x1p-17;

    static VqDiffusionScheduler load(String model) {
        try {
            return VqDiffusionScheduler.fromConfig(config(new ObjectMapper().readTree(
                    Reference.path(model, "model", "scheduler", "scheduler_config.json").toFile())));
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }

    /** Tables go through float64 then float32 exactly as diffusers does: bit for bit, -inf included. */
    @ParameterizedTest
    @ValueSource(strings = {"tiny-a", "tiny-b"})
    void tablesMatchReferenceExactly(String model) {
        VqDiffusionScheduler s = load(model);
        assertArrayEquals(Goldens.floats(model, "scheduler_log_at.npy"), s.logAt());
        assertArrayEquals(Goldens.floats(model, "scheduler_log_bt.npy"), s.logBt());
        assertArrayEquals(Goldens.floats(model, "scheduler_log_ct.npy"), s.logCt());
        assertArrayEquals(Goldens.floats(model, "scheduler_log_cumprod_at.npy"), s.logCumprodAt());
        assertArrayEquals(Goldens.floats(model, "scheduler_log_cumprod_bt.npy"), s.logCumprodBt());
        assertArrayEquals(Goldens.floats(model, "scheduler_log_cumprod_ct.npy"), s.logCumprodCt());
        assertEquals(Float.NEGATIVE_INFINITY, s.logCumprodBt()[s.numTrainTimesteps()]);
    }

    @ParameterizedTest
    @CsvSource({"tiny-a,1", "tiny-a,2", "tiny-a,50", "tiny-a,99", "tiny-b,1", "tiny-b,2", "tiny-b,50", "tiny-b,99"})
    void posteriorMatchesReference(String model, int t) {
        VqDiffusionScheduler s = load(model);
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray logp = Goldens.load(m, model, "scheduler_in_log_p_x_0.npy");
            NDArray xt = Goldens.load(m, model, "scheduler_in_x_t.npy");
            NDArray got = s.qPosterior(logp, xt, t);
            float[] want = Goldens.floats(model, "scheduler_q_posterior_t" + t + ".npy");
            assertEquals(new Shape(2, s.numClasses(), xt.getShape().get(1)), got.getShape());
            float[] g = got.toFloatArray();
            for (int i = 0; i < want.length; i++) {
                assertEquals(want[i], g[i], POSTERIOR_TOLERANCE, "element " + i);
            }
        }
    }

    /** Fed the uniforms torch drew, the step's argmax reproduces the reference tokens exactly. */
    @ParameterizedTest
    @CsvSource({"tiny-a,0", "tiny-a,1", "tiny-a,50", "tiny-a,99", "tiny-b,0", "tiny-b,1", "tiny-b,50", "tiny-b,99"})
    void stepMatchesReferenceGivenItsUniforms(String model, int t) {
        VqDiffusionScheduler s = load(model);
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray logp = Goldens.load(m, model, "scheduler_in_log_p_x_0.npy");
            NDArray xt = Goldens.load(m, model, "scheduler_in_x_t.npy");
            NDArray u = Goldens.load(m, model, "scheduler_step_t" + t + "_uniform.npy");
            long[] want = Goldens.load(m, model, "scheduler_step_t" + t + "_prev_sample.npy").toLongArray();
            assertArrayEquals(want, GumbelMax.argmax(s.stepLogProbs(logp, xt, t), u).toLongArray());
        }
    }

    /** The reference noise seeded like the golden's generator draws the same uniforms, hence the same tokens. */
    @ParameterizedTest
    @CsvSource({"tiny-a,0,100", "tiny-a,1,101", "tiny-a,50,102", "tiny-a,99,103", "tiny-b,99,103"})
    void stepWithReferenceNoiseMatchesReference(String model, int t, long seed) {
        VqDiffusionScheduler s = load(model);
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray logp = Goldens.load(m, model, "scheduler_in_log_p_x_0.npy");
            NDArray xt = Goldens.load(m, model, "scheduler_in_x_t.npy");
            long[] want = Goldens.load(m, model, "scheduler_step_t" + t + "_prev_sample.npy").toLongArray();
            try (ReferenceNoise noise = ReferenceNoise.open(seed)) {
                assertArrayEquals(want, s.step(logp, t, xt, noise, 0).toLongArray());
            }
        }
    }

    /**
     * The multi-step posterior q(x_s | x_t, x0) against the same Bayes formula built from explicit K x K one-step
     * transition matrices multiplied out in float64 (no composed tables): p(x_s = i | x_t) =
     * q(x_t | x_s = i) · Σ_x0 p(x0) q(x_s = i | x0) / q(x_t | x0). Compared as probabilities; the matrices come from
     * the float32 tables, so agreement is to ~1e-6 relative per factor.
     */
    @ParameterizedTest
    @CsvSource({"10,9", "50,40", "99,0", "30,1", "99,97"})
    void multiStepPosteriorIsBayesOverComposedTransitions(int t, int s) {
        VqDiffusionScheduler sch = load("tiny-a");
        int k = sch.numClasses();
        int n = 40;
        Random r = new Random(t * 100L + s);
        float[] logp = new float[2 * (k - 1) * n];
        long[] xt = new long[2 * n];
        for (int b = 0; b < 2; b++) {
            for (int j = 0; j < n; j++) {
                double[] w = new double[k - 1];
                double z = 0;
                for (int c = 0; c < k - 1; c++) {
                    w[c] = Math.exp(3 * r.nextGaussian());
                    z += w[c];
                }
                for (int c = 0; c < k - 1; c++) {
                    logp[(b * (k - 1) + c) * n + j] = (float) Math.log(w[c] / z);
                }
                xt[b * n + j] = j % 3 == 0 ? k - 1 : r.nextInt(k - 1);
            }
        }
        double[][] fromX0ToS = product(sch, 0, s);
        double[][] fromX0ToT = product(sch, 0, t);
        double[][] fromSToT = product(sch, s + 1, t);
        try (NDManager m = NDManager.newBaseManager()) {
            float[] got = sch.posterior(m.create(logp, new Shape(2, k - 1, n)), m.create(xt, new Shape(2, n)), t, s)
                    .exp().toFloatArray();
            for (int b = 0; b < 2; b++) {
                for (int j = 0; j < n; j++) {
                    int x = (int) xt[b * n + j];
                    for (int i = 0; i < k; i++) {
                        double sum = 0;
                        for (int x0 = 0; x0 < k - 1; x0++) {
                            double p0 = Math.exp(logp[(b * (k - 1) + x0) * n + j]);
                            sum += p0 * fromX0ToS[x0][i] / fromX0ToT[x0][x];
                        }
                        double want = fromSToT[i][x] * sum;
                        double have = got[(b * k + i) * n + j];
                        assertEquals(want, have, 1e-5 * Math.max(1, want), "b=" + b + " j=" + j + " i=" + i);
                    }
                }
            }
        }
    }

    /**
     * The posterior is computed a piece of columns at a time. In the model's layout (classes contiguous) any piece
     * size gives the same bits; for plain C-order input the pieces are strided slices whose reductions torch may
     * vectorise differently, so there they agree to float32 rounding.
     */
    @Test
    void posteriorInPiecesEqualsOnePiece() {
        VqDiffusionScheduler sch = load("tiny-a");
        int k = sch.numClasses();
        int n = 50;
        try (NDManager m = NDManager.newBaseManager()) {
            m.getEngine().setRandomSeed(5);
            NDArray classesContiguous = m.randomNormal(0, 3, new Shape(3, n, k - 1), DataType.FLOAT32).logSoftmax(2)
                    .transpose(0, 2, 1);
            NDArray plain = classesContiguous.duplicate().reshape(-1).reshape(3, k - 1, n);
            NDArray xt = m.randomInteger(0, k, new Shape(3, n), DataType.INT64);
            for (int columns : new int[] {1, 7, n, n + 1}) {
                NDArray whole = sch.posterior(classesContiguous, xt, 40, 39, Integer.MAX_VALUE);
                NDArray pieces = sch.posterior(classesContiguous, xt, 40, 39, columns);
                assertEquals(new Shape(3, k, n), pieces.getShape());
                assertArrayEquals(whole.toFloatArray(), pieces.toFloatArray(), "pieces of " + columns + " columns");
                double err = sch.posterior(plain, xt, 40, 39, Integer.MAX_VALUE)
                        .sub(sch.posterior(plain, xt, 40, 39, columns)).abs().max().getFloat();
                assertTrue(err <= POSTERIOR_TOLERANCE, "plain layout, pieces of " + columns + " columns: " + err);
            }
        }
    }

    /** Q_from · ... · Q_to, one-step matrices rows = source class, columns = target class, mask last. */
    private static double[][] product(VqDiffusionScheduler s, int from, int to) {
        int k = s.numClasses();
        double[][] acc = new double[k][k];
        for (int i = 0; i < k; i++) {
            acc[i][i] = 1;
        }
        for (int step = from; step <= to; step++) {
            double a = Math.exp(s.logAt()[step]);
            double b = Math.exp(s.logBt()[step]);
            double c = Math.exp(s.logCt()[step]);
            double[][] q = new double[k][k];
            for (int i = 0; i < k - 1; i++) {
                for (int j = 0; j < k - 1; j++) {
                    q[i][j] = b + (i == j ? a : 0);
                }
                q[i][k - 1] = c;
            }
            q[k - 1][k - 1] = 1;
            double[][] next = new double[k][k];
            for (int i = 0; i < k; i++) {
                for (int j = 0; j < k; j++) {
                    for (int l = 0; l < k; l++) {
                        next[i][j] += acc[i][l] * q[l][j];
                    }
                }
            }
            acc = next;
        }
        return acc;
    }

    @Test
    void timestepsAreTheLastStepsDescending() {
        VqDiffusionScheduler s = load("tiny-a");
        assertArrayEquals(new int[] {9, 8, 7, 6, 5, 4, 3, 2, 1, 0}, s.timesteps(10));
        assertEquals(100, s.timesteps(100).length);
        assertEquals(99, s.timesteps(100)[0]);
    }

    @Test
    void rejectsStepCountsTheReferenceCannotRun() {
        VqDiffusionScheduler s = load("tiny-a");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> s.timesteps(101));
        assertEquals("number of inference steps must be in 1..100 (the scheduler's num_train_timesteps), got 101",
                e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> s.timesteps(0));
        assertTrue(e.getMessage().endsWith("got 0"), e.getMessage());
    }

    /** Each malformed value is refused naming the file, the key, what was expected and what was found. */
    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "num_vec_classes|REMOVE|missing key 'num_vec_classes' (expected an integer ≥ 2; VQDiffusionScheduler has no default for it)",
            "num_vec_classes|1|key 'num_vec_classes' must be an integer ≥ 2, found 1",
            "num_vec_classes|12.0|key 'num_vec_classes' must be an integer ≥ 2, found 12.0",
            "num_train_timesteps|\"many\"|key 'num_train_timesteps' must be an integer ≥ 2, found \"many\"",
            "num_train_timesteps|1|key 'num_train_timesteps' must be an integer ≥ 2, found 1",
            "alpha_cum_start|-0.5|key 'alpha_cum_start' must be a number in [0.0, 1.0], found -0.5",
            "alpha_cum_end|1.5|key 'alpha_cum_end' must be a number in [0.0, 1.0], found 1.5",
            "gamma_cum_start|\"0\"|key 'gamma_cum_start' must be a number in [0.0, 1.0], found \"0\"",
            "gamma_cum_end|[1]|key 'gamma_cum_end' must be a number in [0.0, 1.0], found [1]",
            "_class_name|\"DDPMScheduler\"|_class_name is \"DDPMScheduler\", expected 'VQDiffusionScheduler'",
            "last_step|\"posterior-ish\"|key 'last_step' must be one of 'prediction', 'posterior', found \"posterior-ish\"",
            "last_step|true|key 'last_step' must be one of 'prediction', 'posterior', found true"})
    void rejectsBadConfigs(String key, String value, String message) throws IOException {
        ObjectNode c = new ObjectMapper().createObjectNode().put("num_vec_classes", 12);
        if (value.equals("REMOVE")) {
            c.remove(key);
        } else {
            c.set(key, new ObjectMapper().readTree(value));
        }
        WeightsException e = assertThrows(WeightsException.class, () -> VqDiffusionScheduler.fromConfig(config(c)));
        assertEquals("scheduler/scheduler_config.json: " + message, e.getMessage());
    }

    @Test
    void rejectsBadConstructorArguments() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new VqDiffusionScheduler(1, 100, 0.99999, 0.000009, 0.000009, 0.99999));
        assertEquals("num_vec_classes must be at least 2 (one class plus the mask), got 1", e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> new VqDiffusionScheduler(12, 1, 0.99999, 0.000009, 0.000009, 0.99999));
        assertEquals("num_train_timesteps must be at least 2, got 1", e.getMessage());
    }

    /** Only num_vec_classes given: diffusers 0.24.0's defaults (100 steps, alpha 0.99999 → 9e-6, gamma 9e-6 → 0.99999). */
    @Test
    void configDefaultsAreDiffusers() {
        ObjectNode minimal = new ObjectMapper().createObjectNode().put("num_vec_classes", 12);
        VqDiffusionScheduler s = VqDiffusionScheduler.fromConfig(config(minimal));
        assertArrayEquals(load("tiny-a").logCumprodAt(), s.logCumprodAt());
        assertArrayEquals(load("tiny-a").logCumprodCt(), s.logCumprodCt());
        assertEquals(100, s.numTrainTimesteps());
        assertEquals(100, VqDiffusionScheduler.numTrainTimesteps(config(minimal)));
        assertEquals(11, s.maskClass());
    }

    private static ComponentConfig config(JsonNode json) {
        return new ComponentConfig("scheduler/scheduler_config.json", json);
    }

    @Test
    void rejectsBadPosteriorInputs() {
        VqDiffusionScheduler s = load("tiny-a");
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray logp = m.zeros(new Shape(2, 11, 5));
            NDArray xt = m.zeros(new Shape(2, 5), DataType.INT64);
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> s.qPosterior(m.zeros(new Shape(2, 12, 5)), xt, 3));
            assertEquals("log p(x0) must be [batch, 11 classes, tokens], got (2, 12, 5)", e.getMessage());
            e = assertThrows(IllegalArgumentException.class, () -> s.qPosterior(logp, m.zeros(new Shape(2, 4),
                    DataType.INT64), 3));
            assertEquals("tokens must be [2, 5] to match log p(x0) (2, 11, 5), got (2, 4)", e.getMessage());
            e = assertThrows(IllegalArgumentException.class, () -> s.qPosterior(logp, m.zeros(new Shape(2, 5)), 3));
            assertEquals("tokens must be int64, got float32", e.getMessage());
            e = assertThrows(IllegalArgumentException.class,
                    () -> s.qPosterior(m.zeros(new Shape(2, 11, 5), DataType.FLOAT64), xt, 3));
            assertEquals("log p(x0) must be float32, got float64", e.getMessage());
            e = assertThrows(IllegalArgumentException.class, () -> s.qPosterior(logp, xt, 0));
            assertEquals("posterior needs 0 <= s < t <= 99, got t=0, s=-1", e.getMessage());
            e = assertThrows(IllegalArgumentException.class, () -> s.posterior(logp, xt, 50, 50));
            assertEquals("posterior needs 0 <= s < t <= 99, got t=50, s=50", e.getMessage());
        }
    }
}
