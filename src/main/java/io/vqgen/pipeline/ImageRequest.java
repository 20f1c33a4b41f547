package io.vqgen.pipeline;

import java.util.Arrays;

/**
 * One image to make.
 *
 * @param prompt        the caption; empty for a class label
 * @param classLabel    the class of a class-conditional model (e.g. an ImageNet class of the research release's
 *                      ImageNet model, 0..999), else null
 * @param seed          the seed of its noise (per-image noise); in reference noise mode the call's first image's seed
 *                      seeds the whole call, as diffusers' generator does
 * @param initialTokens the starting grid ([height*width], mask class allowed), or null for an all-masked grid
 */
public record ImageRequest(String prompt, Integer classLabel, long seed, long[] initialTokens) {
    public ImageRequest {
        if (prompt == null) {
            throw new PipelineException("an image request needs a prompt");
        }
        if (classLabel != null && (classLabel < 0 || !prompt.isEmpty())) {
            throw new PipelineException("a class label must be non-negative and comes without a prompt, got "
                    + classLabel + " with prompt '" + prompt + "'");
        }
    }

    /** A prompt request (text-to-image models). */
    public ImageRequest(String prompt, long seed, long[] initialTokens) {
        this(prompt, null, seed, initialTokens);
    }

    public static ImageRequest of(String prompt, long seed) {
        return new ImageRequest(prompt, seed, null);
    }

    /** A class-label request (class-conditional models). */
    public static ImageRequest forClass(int classLabel, long seed, long[] initialTokens) {
        return new ImageRequest("", classLabel, seed, initialTokens);
    }

    @Override
    public String toString() {
        return "ImageRequest[" + (classLabel != null ? "class=" + classLabel : "prompt=" + prompt) + ", seed=" + seed
                + (initialTokens == null ? "" : ", initialTokens=" + Arrays.toString(initialTokens)) + "]";
    }
}
