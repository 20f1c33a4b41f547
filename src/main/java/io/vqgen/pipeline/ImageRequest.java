package io.vqgen.pipeline;

import java.util.Arrays;

/**
 * One image to make.
 *
 * @param prompt        the caption
 * @param seed          the seed of its noise (per-image noise); in reference noise mode the call's first image's seed
 *                      seeds the whole call, as diffusers' generator does
 * @param initialTokens the starting grid ([height*width], mask class allowed), or null for an all-masked grid
 */
public record ImageRequest(String prompt, long seed, long[] initialTokens) {
    public ImageRequest {
        if (prompt == null) {
            throw new PipelineException("an image request needs a prompt");
        }
    }

    public static ImageRequest of(String prompt, long seed) {
        return new ImageRequest(prompt, seed, null);
    }

    @Override
    public String toString() {
        return "ImageRequest[prompt=" + prompt + ", seed=" + seed
                + (initialTokens == null ? "" : ", initialTokens=" + Arrays.toString(initialTokens)) + "]";
    }
}
