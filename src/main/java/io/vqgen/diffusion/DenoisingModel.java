package io.vqgen.diffusion;

import ai.djl.ndarray.NDArray;

/**
 * The network side of a sampler: the model's prediction of the clean token grid.
 *
 * <p>The pipeline implements it with the transformer and classifier-free guidance ({@link Guidance}); tests plug in
 * stand-ins. Samplers apply truncation and the {@code -70} floor themselves (see {@link Sampler}), so an
 * implementation returns the guided, normalised prediction as diffusers' pipeline has it just before
 * {@code truncate}.
 */
@FunctionalInterface
public interface DenoisingModel {
    /**
     * @param tokens int64 [B, N] current token grid (classes 0..K-1, K-1 = mask)
     * @param t      the diffusion timestep the tokens are at
     * @return float32 [B, K-1, N] log p(x0 | tokens) over the K-1 real classes; created on (or attached to)
     *         {@code tokens.getManager()}, which the sampler closes after the step
     */
    NDArray logPx0(NDArray tokens, int t);
}
