package io.vqgen.pipeline;

/** Called after every denoising network call of a generation batch. */
@FunctionalInterface
public interface ProgressListener {
    ProgressListener NONE = (call, calls, timestep, images) -> { };

    /**
     * @param call     1-based index of the network call just finished
     * @param calls    network calls this batch will make in all
     * @param timestep the diffusion timestep of that call
     * @param images   images in the batch
     */
    void onStep(int call, int calls, int timestep, int images);

    /** Called when a batch is done, with where its time went (seconds). */
    default void onBatch(int images, double textSeconds, double denoiseSeconds, double decodeSeconds) {
    }
}
