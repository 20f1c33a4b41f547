package io.vqgen.diffusion;

import ai.djl.ndarray.BaseNDManager;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SamplersTest {
    /** 5 real classes + mask, the default 100-step schedule. */
    private static final VqDiffusionScheduler SIX = new VqDiffusionScheduler(6, 100, 0.99999, 0.000009,
            0.000009, 0.99999);
    private static final double[] P = {0.4, 0.3, 0.15, 0.1, 0.05};

    private static NDArray masked(NDManager m, VqDiffusionScheduler s, int batch, int tokens) {
        return m.full(new Shape(batch, tokens), s.maskClass(), DataType.INT64);
    }

    private static long[] seeds(int batch) {
        long[] out = new long[batch];
        for (int b = 0; b < batch; b++) {
            out[b] = 1000 + 17L * b;
        }
        return out;
    }

    private static List<long[]> run(Sampler sampler, DenoisingModel model, NDArray initial, SamplingPlan plan,
                                    NoiseSource noise) {
        List<long[]> steps = new ArrayList<>();
        NDArray out = sampler.sample(model, initial, plan, noise, (i, n, t, x) -> steps.add(x.toLongArray()));
        steps.add(out.toLongArray());
        return steps;
    }

    @ParameterizedTest
    @CsvSource({"10,RESEARCH", "10,EXACT", "3,EXACT"})
    void fastSamplerWithStrideOneIsTheReferenceSampler(int steps, FastSampler.Jump jump) {
        VqDiffusionScheduler s = VqDiffusionSchedulerTest.load("tiny-a");
        DenoisingModel model = StandInModels.tokenDependent(s.numClasses() - 1);
        SamplingPlan plan = new SamplingPlan(steps, 0.86);
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray init = masked(m, s, 2, 144);
            List<long[]> reference = run(new ReferenceSampler(s), model, init, plan, new PerImageNoise(seeds(2)));
            List<long[]> fast = run(new FastSampler(s, 1, jump), model, init, plan, new PerImageNoise(seeds(2)));
            assertEquals(reference.size(), fast.size());
            for (int i = 0; i < reference.size(); i++) {
                assertArrayEquals(reference.get(i), fast.get(i), "after call " + i);
            }
            List<long[]> withReferenceNoise;
            try (ReferenceNoise noise = ReferenceNoise.open(9)) {
                withReferenceNoise = run(new ReferenceSampler(s), model, init, plan, noise);
            }
            try (ReferenceNoise noise = ReferenceNoise.open(9)) {
                List<long[]> again = run(new FastSampler(s, 1, jump), model, init, plan, noise);
                for (int i = 0; i < again.size(); i++) {
                    assertArrayEquals(withReferenceNoise.get(i), again.get(i), "reference noise, after call " + i);
                }
            }
        }
    }

    /**
     * Network calls, counted on the model, against the research loops worked by hand: sample_fast calls at
     * range(99, -1, -Δ) plus 0 when missed (Δ=2: 50+1, Δ=3: 34, Δ=4: 25+1, Δ=10: 10+1); sample with prior_ps 1024
     * calls once per timestep (100); with prior_ps 5 (infer_speed 0.5, n_sample table [1, 6] + [11, 10, 10]*32 +
     * [11, 15]) t=99 takes 3 calls (5+5+5), every other t >= 2 two (5+6 or 5+5), t=1 one (6), t=0 one: 199.
     */
    @ParameterizedTest
    @CsvSource({"reference,1,0,100,100", "reference,1,0,10,10", "reference,1,0,1,1", "fast,2,0,100,51",
            "fast,2.5,0,100,51", "fast,3,0,100,34", "fast,4,0,100,26", "fast,10,0,100,11", "fast,3,0,10,4",
            "research,1,2,100,100", "research,1,1,100,100", "research,0.5,2,100,199", "research,0.5,0,100,199",
            "research,1,2,10,10"})
    void makesExactlyTheResearchNumberOfNetworkCalls(String kind, double speed, int rule, int steps, int calls) {
        VqDiffusionScheduler s = VqDiffusionSchedulerTest.load("tiny-a");
        int tokens = 1024;
        Sampler sampler = kind.equals("reference") ? new ReferenceSampler(s)
                : Samplers.research(s, tokens, speed, rule, 1.0, FastSampler.Jump.RESEARCH);
        double[] p = new double[s.numClasses() - 1];
        Arrays.fill(p, 1.0 / p.length);
        StandInModels.Fixed model = StandInModels.Fixed.everywhere(p, tokens);
        SamplingPlan plan = new SamplingPlan(steps, 1.0);
        int[] reported = {0};
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray out = sampler.sample(model, masked(m, s, 1, tokens), plan, new PerImageNoise(1),
                    (i, n, t, x) -> {
                        assertEquals(reported[0]++, i);
                        assertEquals(calls, n);
                    });
            assertEquals(0, out.eq(s.maskClass()).sum().getLong(), "no mask token may survive");
        }
        assertEquals(calls, model.calls.get());
        assertEquals(calls, sampler.networkCalls(plan, tokens));
        assertEquals(calls, reported[0]);
    }

    @Test
    void researchDispatchFollowsInferSpeedAndPriorRule() {
        VqDiffusionScheduler s = VqDiffusionSchedulerTest.load("tiny-a");
        FastSampler.Jump j = FastSampler.Jump.RESEARCH;
        assertEquals("reference", Samplers.research(s, 1024, 1, 0, 0, j).name());
        assertEquals("reference", Samplers.research(s, 1024, 1.9, 0, 0, j).name());
        assertEquals("fast(stride=2, jump=research)", Samplers.research(s, 1024, 2, 2, 1, j).name());
        assertEquals("fast(stride=9, jump=research)", Samplers.research(s, 1024, 9.99, 0, 0, j).name());
        assertEquals("unmasking(uniform, reveals-per-call=5)", Samplers.research(s, 1024, 0.5, 0, 0, j).name());
        assertEquals("purity(weight=1.0, reveals-per-call=5)", Samplers.research(s, 1024, 0.5, 2, 1, j).name());
        assertEquals("purity(weight=2.0, reveals-per-call=1024)", Samplers.research(s, 1024, 1, 2, 2, j).name());
        assertEquals("unmasking(uniform, reveals-per-call=144)", Samplers.research(s, 144, 1, 1, 0, j).name());
        assertEquals("unmasking(uniform, reveals-per-call=1)", Samplers.research(s, 144, 0.3, 1, 0, j).name());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Samplers.research(s, 1024, 0, 0, 0, j));
        assertEquals("infer speed must be a finite number > 0, got 0.0", e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> Samplers.research(s, 1024, 1, 3, 0, j));
        assertEquals("prior rule must be 0, 1 or 2, got 3", e.getMessage());
    }

    /**
     * With a prediction that ignores the tokens, every sampler's final tokens are drawn from it (at t = 0 for the
     * posterior samplers, at reveal for the unmasking ones). 4 images x 1024 positions pooled; Pearson chi-square
     * with 4 degrees of freedom below 18.47 (0.1% false-alarm rate; fixed seeds, so deterministic).
     */
    @ParameterizedTest
    @CsvSource({"reference,1,0,0", "fast,3,0,0", "exact,3,0,0", "research,0.5,1,0", "research,1,2,0",
            "research,0.5,2,0", "research,1,2,2"})
    void finalTokensFollowThePrediction(String kind, double speed, int rule, double weight) {
        int tokens = 1024;
        int batch = 4;
        Sampler sampler = switch (kind) {
            case "reference" -> new ReferenceSampler(SIX);
            case "exact" -> FastSampler.forInferSpeed(SIX, speed, FastSampler.Jump.EXACT);
            default -> Samplers.research(SIX, tokens, speed, rule, weight, FastSampler.Jump.RESEARCH);
        };
        // Eq. 11 with every position equally pure (purity 1): p^(1+r), renormalised
        double[] expected = new double[P.length];
        double z = 0;
        for (int c = 0; c < P.length; c++) {
            expected[c] = Math.pow(P[c], 1 + weight);
            z += expected[c];
        }
        for (int c = 0; c < P.length; c++) {
            expected[c] /= z;
        }
        try (NDManager m = NDManager.newBaseManager()) {
            long[] out = sampler.sample(StandInModels.Fixed.everywhere(P, tokens), masked(m, SIX, batch, tokens),
                    new SamplingPlan(20, 1.0), new PerImageNoise(seeds(batch)), StepListener.NONE).toLongArray();
            long[] counts = new long[P.length];
            for (long c : out) {
                assertTrue(c >= 0 && c < P.length, "final token " + c + " is not a real class");
                counts[(int) c]++;
            }
            double stat = ChiSquare.statistic(counts, expected);
            assertTrue(stat < ChiSquare.CRITICAL_DF4, "chi-square " + stat + " for " + Arrays.toString(counts));
        }
    }

    @ParameterizedTest
    @CsvSource({"0.5,1,0", "1,2,0", "0.5,2,3", "0.2,2,1"})
    void unmaskingNeverChangesARevealedToken(double speed, int rule, double weight) {
        VqDiffusionScheduler s = VqDiffusionSchedulerTest.load("tiny-a");
        Sampler sampler = Samplers.research(s, 64, speed, rule, weight, FastSampler.Jump.RESEARCH);
        try (NDManager m = NDManager.newBaseManager()) {
            List<long[]> steps = run(sampler, StandInModels.tokenDependent(11), masked(m, s, 3, 64),
                    new SamplingPlan(30, 0.86), new PerImageNoise(seeds(3)));
            long[] previous = steps.get(0);
            for (long[] now : steps) {
                for (int i = 0; i < now.length; i++) {
                    if (previous[i] != s.maskClass()) {
                        assertEquals(previous[i], now[i], "revealed token " + i + " changed");
                    }
                }
                previous = now;
            }
            for (long v : previous) {
                assertTrue(v != s.maskClass());
            }
        }
    }

    /**
     * The first position revealed (one per call): uniform over 8 positions for the uniform prior, and for the purity
     * prior when every position is equally pure; otherwise in proportion to purity (largest class probability over
     * the image's largest), whatever r (r only sharpens the classes, as in the research code). 4000 images;
     * chi-square below the 0.1% quantile (7 dof: 24.32, 3 dof: 16.27).
     */
    @ParameterizedTest
    @CsvSource({"UNIFORM,0,false", "PURITY,0,true", "PURITY,0,false", "PURITY,3,false"})
    void firstRevealFollowsThePositionPrior(UnmaskingSampler.PositionPrior prior, double weight, boolean equalPurity) {
        int images = 4000;
        double[][] probs;
        double[] expected;
        double critical;
        if (prior == UnmaskingSampler.PositionPrior.UNIFORM || equalPurity) {
            probs = new double[8][];
            Arrays.fill(probs, P);
            expected = new double[8];
            Arrays.fill(expected, 1.0 / 8);
            critical = 24.322;
        } else {
            double[] pure = {0.9, 0.025, 0.025, 0.025, 0.025};
            double[] mid = {0.6, 0.1, 0.1, 0.1, 0.1};
            double[] flat = {0.3, 0.175, 0.175, 0.175, 0.175};
            probs = new double[][] {pure, mid, flat, flat};
            expected = new double[] {0.9, 0.6, 0.3, 0.3};
            double z = Arrays.stream(expected).sum();
            for (int i = 0; i < expected.length; i++) {
                expected[i] /= z;
            }
            critical = 16.266;
        }
        int n = probs.length;
        Sampler sampler = new UnmaskingSampler(SIX, prior, weight, 1);
        long[] firstRevealed = new long[n];
        try (NDManager m = NDManager.newBaseManager()) {
            boolean[] done = {false};
            sampler.sample(new StandInModels.Fixed(probs), masked(m, SIX, images, n), new SamplingPlan(100, 1.0),
                    new PerImageNoise(seeds(images)), (i, calls, t, x) -> {
                        if (done[0]) {
                            return;
                        }
                        long[] tok = x.toLongArray();
                        for (int b = 0; b < images; b++) {
                            for (int j = 0; j < n; j++) {
                                if (tok[b * n + j] != SIX.maskClass()) {
                                    firstRevealed[j]++;
                                }
                            }
                        }
                        done[0] = Arrays.stream(firstRevealed).sum() > 0;
                    });
        }
        assertEquals(images, Arrays.stream(firstRevealed).sum(), "exactly one reveal per image in the first call");
        double stat = ChiSquare.statistic(firstRevealed, expected);
        assertTrue(stat < critical, "chi-square " + stat + " for " + Arrays.toString(firstRevealed));
    }

    @ParameterizedTest
    @CsvSource({"reference,1,0", "fast,3,0", "exact,4,0", "research,0.5,1", "research,1,2", "research,0.3,2"})
    void anImageComesOutTheSameAloneAsInABatch(String kind, double speed, int rule) {
        VqDiffusionScheduler s = VqDiffusionSchedulerTest.load("tiny-b");
        Sampler sampler = switch (kind) {
            case "reference" -> new ReferenceSampler(s);
            case "exact" -> FastSampler.forInferSpeed(s, speed, FastSampler.Jump.EXACT);
            default -> Samplers.research(s, 64, speed, rule, 2.0, FastSampler.Jump.RESEARCH);
        };
        DenoisingModel model = StandInModels.tokenDependent(11);
        SamplingPlan plan = new SamplingPlan(20, 0.86);
        long[] seeds = seeds(3);
        int n = 64;
        try (NDManager m = NDManager.newBaseManager()) {
            long[] together = sampler.sample(model, masked(m, s, 3, n), plan, new PerImageNoise(seeds),
                    StepListener.NONE).toLongArray();
            Set<String> distinct = new HashSet<>();
            for (int b = 0; b < 3; b++) {
                long[] alone = sampler.sample(model, masked(m, s, 1, n), plan, new PerImageNoise(seeds[b]),
                        StepListener.NONE).toLongArray();
                assertArrayEquals(Arrays.copyOfRange(together, b * n, (b + 1) * n), alone, "image " + b);
                distinct.add(Arrays.toString(alone));
            }
            assertEquals(3, distinct.size(), "different seeds should give different images");
        }
    }

    /** Only the carried tokens survive a call: the number of live arrays is the same after every step. */
    @ParameterizedTest
    @CsvSource({"reference,1,0", "research,1,2"})
    void memoryStaysFlatOverAHundredSteps(String kind, double speed, int rule) {
        VqDiffusionScheduler s = VqDiffusionSchedulerTest.load("tiny-a");
        Sampler sampler = switch (kind) {
            case "reference" -> new ReferenceSampler(s);
            case "exact" -> FastSampler.forInferSpeed(s, speed, FastSampler.Jump.EXACT);
            default -> Samplers.research(s, 144, speed, rule, 1.0, FastSampler.Jump.RESEARCH);
        };
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray init = masked(m, s, 2, 144);
            int before = ((BaseNDManager) m).getManagedArrays().size();
            Set<Integer> live = new HashSet<>();
            int[] calls = {0};
            NDArray out = sampler.sample(StandInModels.tokenDependent(11), init, new SamplingPlan(100, 0.86),
                    new PerImageNoise(1, 2), (i, n, t, x) -> {
                        live.add(((BaseNDManager) m).getManagedArrays().size());
                        calls[0]++;
                    });
            assertEquals(100, calls[0]);
            assertEquals(Set.of(before + 1), live, "live arrays during the run: the input and the carried tokens");
            assertEquals(before + 1, ((BaseNDManager) m).getManagedArrays().size(), "after: input and result");
            assertEquals(m, out.getManager());
            assertEquals(s.maskClass(), init.getLong(0, 0), "the input grid is not modified");
        }
    }

    @Test
    void rejectsBadInputs() {
        VqDiffusionScheduler s = VqDiffusionSchedulerTest.load("tiny-a");
        Sampler sampler = new ReferenceSampler(s);
        DenoisingModel model = StandInModels.tokenDependent(11);
        SamplingPlan plan = new SamplingPlan(10, 1.0);
        NoiseSource noise = new PerImageNoise(1);
        try (NDManager m = NDManager.newBaseManager()) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> sampler.sample(model,
                    m.full(new Shape(1, 144), 12, DataType.INT64), plan, noise, StepListener.NONE));
            assertEquals("initial tokens must be classes 0..11 (11 = mask), found values in 12..12", e.getMessage());
            e = assertThrows(IllegalArgumentException.class, () -> sampler.sample(model,
                    m.zeros(new Shape(1, 144)), plan, noise, StepListener.NONE));
            assertEquals("initial tokens must be int64, got float32", e.getMessage());
            e = assertThrows(IllegalArgumentException.class, () -> sampler.sample(model,
                    m.zeros(new Shape(144), DataType.INT64), plan, noise, StepListener.NONE));
            assertEquals("initial tokens must be [batch, tokens], got (144)", e.getMessage());
            e = assertThrows(IllegalArgumentException.class, () -> sampler.sample(model, masked(m, s, 1, 144),
                    new SamplingPlan(101, 1.0), noise, StepListener.NONE));
            assertEquals("number of inference steps must be in 1..100 (the scheduler's num_train_timesteps), got 101",
                    e.getMessage());
            IllegalStateException bad = assertThrows(IllegalStateException.class, () -> sampler.sample(
                    (x, t) -> x.getManager().zeros(new Shape(1, 12, 144)), masked(m, s, 1, 144), plan, noise,
                    StepListener.NONE));
            assertEquals("the denoising model must return float32 [1, 11, 144] log-probabilities, got float32 "
                    + "(1, 12, 144)", bad.getMessage());
            e = assertThrows(IllegalArgumentException.class, () -> new SamplingPlan(0, 1.0));
            assertEquals("number of inference steps must be at least 1, got 0", e.getMessage());
            e = assertThrows(IllegalArgumentException.class, () -> new SamplingPlan(10, -0.1));
            assertEquals("truncation rate must be in [0, 1], got -0.1", e.getMessage());
            e = assertThrows(IllegalArgumentException.class, () -> new FastSampler(s, 0, FastSampler.Jump.EXACT));
            assertEquals("time stride must be at least 1, got 0", e.getMessage());
            e = assertThrows(IllegalArgumentException.class,
                    () -> new UnmaskingSampler(s, UnmaskingSampler.PositionPrior.PURITY, -1, 1));
            assertEquals("prior weight must be a finite number >= 0, got -1.0", e.getMessage());
            e = assertThrows(IllegalArgumentException.class,
                    () -> new UnmaskingSampler(s, UnmaskingSampler.PositionPrior.PURITY, 0, 0));
            assertEquals("reveals per call must be at least 1, got 0", e.getMessage());
            e = assertThrows(IllegalArgumentException.class,
                    () -> FastSampler.forInferSpeed(s, 1.5, FastSampler.Jump.EXACT));
            assertEquals("time-strided sampling needs infer speed >= 2, got 1.5", e.getMessage());
        }
    }

    @Test
    void researchRevealBudgetsAreTheResearchTables() {
        VqDiffusionScheduler s = VqDiffusionSchedulerTest.load("tiny-a");
        int[] regular = new UnmaskingSampler(s, UnmaskingSampler.PositionPrior.PURITY, 0, 1024).revealBudgets(99, 1024);
        int[] few = new UnmaskingSampler(s, UnmaskingSampler.PositionPrior.PURITY, 0, 10).revealBudgets(99, 1024);
        // index 0 is t = 99: research n_sample[99], ..., index 98 is t = 1: n_sample[1]
        assertEquals(11, regular[0]);
        assertEquals(15, few[0]);
        assertEquals(10, regular[98]);
        assertEquals(6, few[98]);
        assertArrayEquals(new int[] {11, 10, 10, 11}, Arrays.copyOfRange(regular, 1, 5));
        assertEquals(1024, Arrays.stream(regular).sum());
        assertEquals(1024, Arrays.stream(few).sum());
        int[] even = new UnmaskingSampler(s, UnmaskingSampler.PositionPrior.PURITY, 0, 144).revealBudgets(99, 144);
        assertEquals(144, Arrays.stream(even).sum());
        assertTrue(Arrays.stream(even).allMatch(b -> b == 1 || b == 2));
    }
}
