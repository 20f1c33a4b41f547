package io.vqgen.diffusion;

/** Picks the sampler for the research code's knobs ({@code infer_speed}, {@code prior_rule}, {@code prior_weight}). */
public final class Samplers {
    private Samplers() {
    }

    /**
     * The research code's dispatch ({@code DALLE.generate_content} + {@code DiffusionTransformer}):
     * <ul>
     *   <li>⌊s⌋ >= 2: time-strided sampling with stride ⌊s - 1⌋ + 1 (the prior rule is ignored, as there);</li>
     *   <li>s &lt; 1: high-quality sampling, at most ⌊⌊N / T⌋ · s⌋ (at least 1) reveals per call, purity
     *       positions for rule 2, uniform otherwise;</li>
     *   <li>1 &lt;= s &lt; 2: the reference sampler for rule 0, else unmasking with no per-call limit.</li>
     * </ul>
     *
     * @param tokens N, the number of tokens per image
     * @param jump   posterior for the time-strided jump (the research code's is {@link FastSampler.Jump#RESEARCH})
     */
    public static Sampler research(VqDiffusionScheduler scheduler, int tokens, double inferSpeed, int priorRule,
                                   double priorWeight, FastSampler.Jump jump) {
        if (!(inferSpeed > 0) || Double.isInfinite(inferSpeed)) {
            throw new IllegalArgumentException("infer speed must be a finite number > 0, got " + inferSpeed);
        }
        if (priorRule < 0 || priorRule > 2) {
            throw new IllegalArgumentException("prior rule must be 0, 1 or 2, got " + priorRule);
        }
        if (tokens < 1) {
            throw new IllegalArgumentException("tokens per image must be at least 1, got " + tokens);
        }
        if ((int) inferSpeed >= 2) {
            return FastSampler.forInferSpeed(scheduler, inferSpeed, jump);
        }
        UnmaskingSampler.PositionPrior positions = priorRule == 2
                ? UnmaskingSampler.PositionPrior.PURITY : UnmaskingSampler.PositionPrior.UNIFORM;
        if (inferSpeed < 1) {
            int perCall = Math.max(1, (int) ((tokens / scheduler.numTrainTimesteps()) * inferSpeed));
            return new UnmaskingSampler(scheduler, positions, priorWeight, perCall);
        }
        if (priorRule == 0) {
            return new ReferenceSampler(scheduler);
        }
        return new UnmaskingSampler(scheduler, positions, priorWeight, tokens);
    }
}
