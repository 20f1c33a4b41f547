package io.vqgen.job;

import io.vqgen.pipeline.GeneratedImage;

/** What became of one image task in a batch. */
sealed interface Outcome {
    ImageTask task();

    /** @param elapsedMs the image's share of its batch's generation time */
    record Generated(ImageTask task, GeneratedImage image, long elapsedMs) implements Outcome {
    }

    /** Generation failed even with the image alone in its batch. */
    record Failed(ImageTask task, String error, long elapsedMs) implements Outcome {
    }
}
