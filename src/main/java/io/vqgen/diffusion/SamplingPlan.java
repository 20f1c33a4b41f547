package io.vqgen.diffusion;

/**
 * Settings every sampler takes per call.
 *
 * @param steps          diffusers' {@code num_inference_steps}: sampling starts at timestep {@code steps - 1}
 *                       (1 .. num_train_timesteps)
 * @param truncationRate the {@link Truncation} rate applied to every prediction, 0..1
 * @param path           where the per-step work runs ({@link StepPath#forDevice} picks it for a device)
 */
public record SamplingPlan(int steps, double truncationRate, StepPath path) {
    /** A plan on the {@link StepPath#HOST} path. */
    public SamplingPlan(int steps, double truncationRate) {
        this(steps, truncationRate, StepPath.HOST);
    }

    public SamplingPlan {
        if (steps < 1) {
            throw new IllegalArgumentException("number of inference steps must be at least 1, got " + steps);
        }
        if (!(truncationRate >= 0 && truncationRate <= 1)) {
            throw new IllegalArgumentException("truncation rate must be in [0, 1], got " + truncationRate);
        }
        if (path == null) {
            throw new IllegalArgumentException("step path is required (HOST or DEVICE)");
        }
    }

    /** The first (largest) timestep sampled. */
    public int startTimestep() {
        return steps - 1;
    }
}
