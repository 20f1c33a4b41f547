package io.vqgen.diffusion;

import ai.djl.ndarray.NDArray;

/**
 * Turns an initial token grid into a sampled one by repeatedly asking a {@link DenoisingModel}.
 *
 * <p>Every call goes: model prediction log p(x0 | x_t) (the pipeline's model already includes classifier-free
 * guidance) → {@link Truncation} at the plan's rate → floor at -70 (diffusers' {@code clamp(-70)}, which also
 * turns truncation's -inf into -70) → the sampler's update. That is diffusers' exact order (transformer, CFG,
 * truncate, clamp, step). Implementations are immutable and keep nothing between calls; per-call work lives in a
 * sub-manager that is closed after each network call, so memory stays flat over any number of steps.
 */
public interface Sampler {
    /** Log-probabilities are floored here after truncation, as diffusers does with {@code clamp(-70)}. */
    float LOG_PROB_FLOOR = -70f;

    /**
     * @param initialTokens int64 [B, N] in 0..K-1 (K-1 = mask; all masked for text-to-image); not modified
     * @return int64 [B, N] final tokens, on {@code initialTokens}' manager
     */
    NDArray sample(DenoisingModel model, NDArray initialTokens, SamplingPlan plan, NoiseSource noise,
                   StepListener progress);

    /** The exact number of network calls {@link #sample} makes for this plan and grid size. */
    int networkCalls(SamplingPlan plan, int tokens);

    /**
     * What this sampler does, with the parameters that decide it (e.g. {@code fast(stride=3, jump=research)}):
     * the manifest's {@code sampler} column. Settings the sampler ignores do not appear.
     */
    String name();
}
