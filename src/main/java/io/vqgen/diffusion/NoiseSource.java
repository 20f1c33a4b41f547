package io.vqgen.diffusion;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;

/**
 * Where a sampling run's randomness comes from. One instance serves one sampling call; close it when the call
 * ends ({@link ReferenceNoise} holds a JVM-wide lock until then).
 *
 * <p>{@code call} is the index of the network call within the run (0, 1, ...). Per-image noise keys its streams
 * on it (so a sampler must make the same calls, in the same order, for an image whatever its batch);
 * the reference stream ignores it and simply continues.
 */
public interface NoiseSource extends AutoCloseable {
    /**
     * Draws one class per (image, position) from the categorical distribution {@code softmax(logProbs)} over axis 1.
     *
     * @param logProbs float32 [B, C, N] log-probabilities (unnormalised is fine)
     * @return int64 [B, N] class indices in 0..C-1, on {@code logProbs}' manager
     */
    NDArray sampleClasses(NDArray logProbs, int call);

    /**
     * Uniform numbers in the open interval (0, 1), a stream separate from {@link #sampleClasses}'s.
     *
     * @return float64 [batch, length] on {@code manager}
     */
    NDArray uniforms(NDManager manager, int batch, int length, int call);

    @Override
    default void close() {
    }
}
