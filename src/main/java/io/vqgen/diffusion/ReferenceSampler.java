package io.vqgen.diffusion;

import ai.djl.ndarray.NDArray;

/**
 * diffusers' {@code VQDiffusionPipeline} loop: for t = steps-1 .. 0, predict, truncate, floor, and sample
 * x_{t-1} from the scheduler's posterior (at t = 0 from the prediction itself). One network call per step.
 */
public final class ReferenceSampler implements Sampler {
    private final VqDiffusionScheduler scheduler;

    public ReferenceSampler(VqDiffusionScheduler scheduler) {
        this.scheduler = scheduler;
    }

    @Override
    public NDArray sample(DenoisingModel model, NDArray initialTokens, SamplingPlan plan, NoiseSource noise,
                          StepListener progress) {
        int[] timesteps = scheduler.timesteps(plan.steps());
        try (TokenLoop loop = new TokenLoop(initialTokens, scheduler.numClasses())) {
            for (int call = 0; call < timesteps.length; call++) {
                int t = timesteps[call];
                int index = call;
                loop.update(x -> {
                    NDArray logp = Prediction.logPx0(model, x, t, plan.truncationRate(), scheduler.numClasses());
                    return scheduler.step(logp, t, x, noise, index);
                });
                progress.onStep(call, timesteps.length, t, loop.tokens());
            }
            return loop.finish();
        }
    }

    @Override
    public int networkCalls(SamplingPlan plan, int tokens) {
        scheduler.checkSteps(plan.steps());
        return plan.steps();
    }

    @Override
    public String name() {
        return "reference";
    }

    @Override
    public String toString() {
        return name();
    }
}
