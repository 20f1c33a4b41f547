package io.vqgen.diffusion;

import ai.djl.ndarray.NDArray;

import java.util.ArrayList;
import java.util.List;

/**
 * Time-strided sampling of the research code (microsoft/VQ-Diffusion {@code DiffusionTransformer.sample_fast},
 * used for {@code infer_speed} s &gt;= 2 with stride Δ = ⌊s - 1⌋ + 1): the network runs at t = start, start-Δ,
 * ..., and finally at 0 (appended when the stride misses it); every call jumps straight to the next of those
 * timesteps. At t = 0 the tokens are drawn from the prediction itself, as diffusers' last step does.
 *
 * <p>Which posterior the jump uses is a choice ({@link Jump}). With stride 1 both choices are exactly the
 * {@link ReferenceSampler}.
 */
public final class FastSampler implements Sampler {
    /** How a call at timestep t > 0 reaches the next sampled timestep. */
    public enum Jump {
        /**
         * What the research code does: the one-step posterior with the current tokens treated as if they were at
         * t - (Δ-1), i.e. q(x_{t-Δ} | x_{t-Δ+1} = x_t, x0) (for t &lt;= Δ-1, the plain one-step posterior at t).
         * The network still sees the true t. It unmasks only about 1/(t-Δ+1) of the masked tokens per jump
         * (instead of Δ/t), leaving the rest to the last calls.
         */
        RESEARCH,
        /**
         * The exact multi-step posterior q(x_{t'} | x_t, x0) to the next sampled timestep t', from the composed
         * mask-and-replace transition ({@link VqDiffusionScheduler#posterior}).
         */
        EXACT
    }

    private final VqDiffusionScheduler scheduler;
    private final int stride;
    private final Jump jump;

    /** @param stride Δ >= 1: timesteps between two network calls */
    public FastSampler(VqDiffusionScheduler scheduler, int stride, Jump jump) {
        if (stride < 1) {
            throw new IllegalArgumentException("time stride must be at least 1, got " + stride);
        }
        if (jump == null) {
            throw new IllegalArgumentException("jump posterior is required (RESEARCH or EXACT)");
        }
        this.scheduler = scheduler;
        this.stride = stride;
        this.jump = jump;
    }

    /** The research code's mapping: {@code infer_speed} s >= 2 → stride ⌊s - 1⌋ + 1. */
    public static FastSampler forInferSpeed(VqDiffusionScheduler scheduler, double inferSpeed, Jump jump) {
        if (!(inferSpeed >= 2) || Double.isInfinite(inferSpeed)) {
            throw new IllegalArgumentException("time-strided sampling needs infer speed >= 2, got " + inferSpeed);
        }
        return new FastSampler(scheduler, (int) (inferSpeed - 1) + 1, jump);
    }

    /** The timesteps the network is called at: start, start-Δ, ..., then 0 if the stride missed it. */
    public int[] timesteps(SamplingPlan plan) {
        scheduler.checkSteps(plan.steps());
        List<Integer> list = new ArrayList<>();
        for (int t = plan.startTimestep(); t >= 0; t -= stride) {
            list.add(t);
        }
        if (list.get(list.size() - 1) != 0) {
            list.add(0);
        }
        return list.stream().mapToInt(Integer::intValue).toArray();
    }

    @Override
    public NDArray sample(DenoisingModel model, NDArray initialTokens, SamplingPlan plan, NoiseSource noise,
                          StepListener progress) {
        int[] timesteps = timesteps(plan);
        try (TokenLoop loop = new TokenLoop(initialTokens, scheduler.numClasses())) {
            for (int call = 0; call < timesteps.length; call++) {
                int t = timesteps[call];
                int next = call + 1 < timesteps.length ? timesteps[call + 1] : -1;
                int index = call;
                loop.update(x -> {
                    NDArray logp = Prediction.logPx0(model, x, t, plan.truncationRate(), scheduler.numClasses());
                    return noise.sampleClasses(jumpLogProbs(logp, x, t, next), index);
                });
                progress.onStep(call, timesteps.length, t, loop.tokens());
            }
            return loop.finish();
        }
    }

    private NDArray jumpLogProbs(NDArray logp, NDArray x, int t, int next) {
        if (t == 0) {
            return scheduler.stepLogProbs(logp, x, 0);
        }
        if (jump == Jump.EXACT) {
            return scheduler.posterior(logp, x, t, next);
        }
        int skip = stride - 1;
        int from = t > skip ? t - skip : t;
        return scheduler.posterior(logp, x, from, from - 1);
    }

    @Override
    public int networkCalls(SamplingPlan plan, int tokens) {
        return timesteps(plan).length;
    }

    @Override
    public String name() {
        return "fast(stride=" + stride + ", jump=" + jump.name().toLowerCase(java.util.Locale.ROOT) + ")";
    }

    @Override
    public String toString() {
        return name();
    }
}
