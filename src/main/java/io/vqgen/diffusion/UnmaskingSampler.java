package io.vqgen.diffusion;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;

import java.util.Arrays;

/**
 * The research code's high-quality and purity sampling (microsoft/VQ-Diffusion {@code DiffusionTransformer.sample}
 * with {@code prior_rule} 1 or 2, {@code p_sample}; Improved VQ-Diffusion, arXiv 2205.16007, Eq. 11).
 *
 * <p>Instead of the posterior, each timestep t &gt; 0 has a budget of masked positions to reveal (the research
 * schedule, {@link #revealBudgets}). A network call reveals at most {@code revealsPerCall} of them (the research
 * {@code prior_ps}; the budget is split into such chunks, and a chunk that would leave a single position is grown to
 * take it). A call predicts x0, draws a class for every position from the prediction, picks the positions to
 * reveal among the masked ones without replacement (uniformly for {@link PositionPrior#UNIFORM}, in proportion to
 * their purity for {@link PositionPrior#PURITY}), and writes the drawn classes there. Revealed tokens never change.
 * The last call, at t = 0, reveals every position still masked.
 *
 * <p>Purity = the prediction's largest class probability at that position, divided by the largest purity in the
 * image. With {@code priorWeight} r &gt; 0 (purity only) classes are drawn from the sharpened
 * {@code softmax((1 + r·purity) · log p(x0))} (Eq. 11).
 *
 * <p>Differences from the research code: its "all scores below 1e-6 → add 1" fallback tests the whole batch, here
 * each image (so an image does not depend on its batch); its sharpening softmax also covers the mask row at -70
 * (weight e^-70), here only the K-1 real classes; its last call redraws every position from the t = 0 posterior
 * (which is the prediction itself up to e^-70 terms), here the revealed tokens are kept and only the remaining
 * masks are drawn, so a revealed token never changes.
 */
public final class UnmaskingSampler implements Sampler {
    /** How positions to reveal are chosen among the masked ones. */
    public enum PositionPrior {
        /** Uniformly at random (research prior_rule 1, "high-quality" sampling). */
        UNIFORM,
        /** In proportion to purity (research prior_rule 2). */
        PURITY
    }

    private static final int RESEARCH_TIMESTEPS = 100;
    private static final int RESEARCH_TOKENS = 1024;
    private static final int[] RESEARCH_BUDGETS = researchBudgets(10, 11);
    private static final int[] RESEARCH_FEW_PER_CALL_BUDGETS = researchBudgets(6, 15);

    private final VqDiffusionScheduler scheduler;
    private final PositionPrior prior;
    private final double priorWeight;
    private final int revealsPerCall;

    /**
     * @param priorWeight    r of Eq. 11, >= 0; used with {@link PositionPrior#PURITY} only
     * @param revealsPerCall the most positions one network call reveals (research {@code prior_ps}), >= 1
     */
    public UnmaskingSampler(VqDiffusionScheduler scheduler, PositionPrior prior, double priorWeight,
                            int revealsPerCall) {
        if (prior == null) {
            throw new IllegalArgumentException("position prior is required (UNIFORM or PURITY)");
        }
        if (!(priorWeight >= 0) || Double.isInfinite(priorWeight)) {
            throw new IllegalArgumentException("prior weight must be a finite number >= 0, got " + priorWeight);
        }
        if (revealsPerCall < 1) {
            throw new IllegalArgumentException("reveals per call must be at least 1, got " + revealsPerCall);
        }
        this.scheduler = scheduler;
        this.prior = prior;
        this.priorWeight = priorWeight;
        this.revealsPerCall = revealsPerCall;
    }

    /**
     * How many positions to reveal at each timestep t = start .. 1 (index 0 = start). For the research setting
     * (100 training timesteps, all 100 sampled, 1024 tokens) the research code's tables, whose choice depends on
     * {@code revealsPerCall <= 10}; otherwise the tokens spread as evenly as integers allow, the mask schedule being
     * linear in t.
     */
    public int[] revealBudgets(int start, int tokens) {
        int[] out = new int[start];
        if (scheduler.numTrainTimesteps() == RESEARCH_TIMESTEPS && start == RESEARCH_TIMESTEPS - 1
                && tokens == RESEARCH_TOKENS) {
            int[] table = revealsPerCall <= 10 ? RESEARCH_FEW_PER_CALL_BUDGETS : RESEARCH_BUDGETS;
            for (int i = 0; i < start; i++) {
                out[i] = table[start - i];
            }
            return out;
        }
        for (int i = 0; i < start; i++) {
            out[i] = (int) ((long) tokens * (i + 1) / start - (long) tokens * i / start);
        }
        return out;
    }

    /** research n_sample for T = 100, indexed by timestep: [1, second] + [11, 10, 10] * 32 + [11, last]. */
    private static int[] researchBudgets(int second, int last) {
        int[] n = new int[RESEARCH_TIMESTEPS];
        n[0] = 1;
        n[1] = second;
        for (int i = 0; i < 96; i++) {
            n[2 + i] = i % 3 == 0 ? 11 : 10;
        }
        n[98] = 11;
        n[99] = last;
        return n;
    }

    /** The research split of one timestep's budget into per-call counts. */
    private int[] chunks(int budget) {
        int[] out = new int[budget];
        int calls = 0;
        int remaining = budget;
        while (remaining > 0) {
            int n = Math.min(remaining, revealsPerCall);
            if (remaining - n == 1) {
                n = remaining;
            }
            out[calls++] = n;
            remaining -= n;
        }
        return Arrays.copyOf(out, calls);
    }

    @Override
    public NDArray sample(DenoisingModel model, NDArray initialTokens, SamplingPlan plan, NoiseSource noise,
                          StepListener progress) {
        try (TokenLoop loop = new TokenLoop(initialTokens, scheduler.numClasses())) {
            int tokens = Math.toIntExact(initialTokens.getShape().get(1));
            int calls = networkCalls(plan, tokens);
            int start = plan.startTimestep();
            int[] budgets = revealBudgets(start, tokens);
            int call = 0;
            for (int i = 0; i < start; i++) {
                int t = start - i;
                for (int count : chunks(budgets[i])) {
                    int index = call;
                    loop.update(x -> reveal(model, x, t, count, plan, noise, index));
                    progress.onStep(call++, calls, t, loop.tokens());
                }
            }
            int index = call;
            loop.update(x -> revealAll(model, x, plan, noise, index));
            progress.onStep(call, calls, 0, loop.tokens());
            return loop.finish();
        }
    }

    private NDArray reveal(DenoisingModel model, NDArray x, int t, int count, SamplingPlan plan, NoiseSource noise,
                           int call) {
        NDArray logp = Prediction.logPx0(model, x, t, plan.truncationRate(), scheduler.numClasses());
        NDArray masked = x.eq(scheduler.maskClass());
        NDArray score = prior == PositionPrior.PURITY ? purity(logp) : x.getManager().ones(masked.getShape());
        NDArray classLogp = prior == PositionPrior.PURITY && priorWeight > 0 ? sharpen(logp, score) : logp;
        NDArray classes = noise.sampleClasses(classLogp, call);
        NDArray chosen = choose(score, masked, count, noise, call);
        return Where.where(chosen, classes, x);
    }

    private NDArray revealAll(DenoisingModel model, NDArray x, SamplingPlan plan, NoiseSource noise, int call) {
        NDArray logp = Prediction.logPx0(model, x, 0, plan.truncationRate(), scheduler.numClasses());
        return Where.where(x.eq(scheduler.maskClass()), noise.sampleClasses(logp, call), x);
    }

    /** Largest class probability per position, over the image's largest: float32 [B, N] in [0, 1]. */
    private static NDArray purity(NDArray logp) {
        NDArray top = logp.exp().max(new int[] {1}).clip(0, 1);
        return top.div(top.max(new int[] {1}, true).add(1e-10f));
    }

    /** Eq. 11: log softmax((1 + r·purity) · log p(x0)) over classes, floored at -70. */
    private NDArray sharpen(NDArray logp, NDArray score) {
        NDArray factor = score.mul((float) priorWeight).add(1f).expandDims(1);
        return logp.mul(factor).logSoftmax(1).maximum(Sampler.LOG_PROB_FLOOR);
    }

    /**
     * {@code count} masked positions per image, without replacement, with probability proportional to the score
     * (Gumbel-top-k: the largest {@code log(score) + Gumbel} keys; the same law as sequential draws).
     */
    private static NDArray choose(NDArray score, NDArray masked, int count, NoiseSource noise, int call) {
        NDManager m = score.getManager();
        long batch = score.getShape().get(0);
        long length = score.getShape().get(1);
        NDArray flat = score.sum(new int[] {1}, true).lt(1e-6f);
        NDArray weights = Where.where(flat, score.add(1f), score).mul(masked.toType(DataType.FLOAT32, false));
        NDArray u = noise.uniforms(m, (int) batch, (int) length, call);
        NDArray keys = weights.toType(DataType.FLOAT64, false).log().sub(u.log().neg().log());
        NDArray rank = keys.argSort(1, false).argSort(1, true);
        return rank.lt(count).logicalAnd(masked);
    }

    @Override
    public int networkCalls(SamplingPlan plan, int tokens) {
        scheduler.checkSteps(plan.steps());
        int calls = 1;
        for (int budget : revealBudgets(plan.startTimestep(), tokens)) {
            calls += chunks(budget).length;
        }
        return calls;
    }

    @Override
    public String name() {
        return (prior == PositionPrior.PURITY ? "purity(weight=" + priorWeight + ", " : "unmasking(uniform, ")
                + "reveals-per-call=" + revealsPerCall + ")";
    }

    @Override
    public String toString() {
        return name();
    }
}
