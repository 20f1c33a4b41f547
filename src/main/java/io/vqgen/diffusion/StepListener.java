package io.vqgen.diffusion;

import ai.djl.ndarray.NDArray;

/** Progress of a sampling call, reported after every network call. */
@FunctionalInterface
public interface StepListener {
    StepListener NONE = (call, calls, timestep, tokens) -> { };

    /**
     * @param call     index of the network call just made, 0 .. calls-1
     * @param calls    how many calls the run makes in all
     * @param timestep the timestep the network was called at
     * @param tokens   int64 [B, N], the tokens after this call's update; owned by the sampler, valid only during the
     *                 callback (copy what you keep)
     */
    void onStep(int call, int calls, int timestep, NDArray tokens);
}
