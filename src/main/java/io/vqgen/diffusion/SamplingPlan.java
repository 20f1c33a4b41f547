package io.vqgen.diffusion;

/**
 * Settings every sampler takes per call.
 *
 * @param steps          diffusers' {@code num_inference_steps}: sampling starts at timestep {@code steps - 1}
 *                       (1 .. num_train_timesteps)
 * @param truncationRate the {@link Truncation} rate applied to every prediction, 0..1
 */
public record SamplingPlan(int steps, double truncationRate) {
    public SamplingPlan {
        if (steps < 1) {
            throw new IllegalArgumentException("number of inference steps must be at least 1, got " + steps);
        }
        if (!(truncationRate >= 0 && truncationRate <= 1)) {
            throw new IllegalArgumentException("truncation rate must be in [0, 1], got " + truncationRate);
        }
    }

    /** The first (largest) timestep sampled. */
    public int startTimestep() {
        return steps - 1;
    }
}
