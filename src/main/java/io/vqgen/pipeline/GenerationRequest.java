package io.vqgen.pipeline;

import java.util.Arrays;

/**
 * One prompt (or, for a class-conditional model, one class label) and the images to make from it.
 *
 * @param prompt        the caption; empty for a class label
 * @param classLabel    the class of a class-conditional model (e.g. an ImageNet class 0..999), else null
 * @param seeds         one seed per image (per-image noise); in reference noise mode the call uses the first
 *                      request's first seed for the whole batch, as diffusers does
 * @param sampling      sampling options for every image of this request
 * @param initialTokens optional starting grid per image ([images][height*width], mask class allowed); null = all masked
 */
public record GenerationRequest(String prompt, Integer classLabel, long[] seeds, SamplingOptions sampling,
                                long[][] initialTokens) {
    public GenerationRequest {
        if (prompt == null) {
            throw new IllegalArgumentException("prompt is required");
        }
        if (classLabel != null && (classLabel < 0 || !prompt.isEmpty())) {
            throw new IllegalArgumentException("a class label must be non-negative and comes without a prompt, got "
                    + classLabel + " with prompt '" + prompt + "'");
        }
        if (seeds == null || seeds.length == 0) {
            throw new IllegalArgumentException("at least one image per prompt is required");
        }
        if (sampling == null) {
            throw new IllegalArgumentException("sampling options are required");
        }
        if (initialTokens != null && initialTokens.length != seeds.length) {
            throw new IllegalArgumentException("initial tokens given for " + initialTokens.length
                    + " images, but the request makes " + seeds.length);
        }
    }

    /** A prompt request (text-to-image models). */
    public GenerationRequest(String prompt, long[] seeds, SamplingOptions sampling, long[][] initialTokens) {
        this(prompt, null, seeds, sampling, initialTokens);
    }

    /** A class-label request (class-conditional models). */
    public static GenerationRequest forClass(int classLabel, long[] seeds, SamplingOptions sampling, long[][] initialTokens) {
        return new GenerationRequest("", classLabel, seeds, sampling, initialTokens);
    }

    public static GenerationRequest of(String prompt, long seed, SamplingOptions sampling) {
        return new GenerationRequest(prompt, new long[] {seed}, sampling, null);
    }

    public int images() {
        return seeds.length;
    }

    @Override
    public String toString() {
        return "GenerationRequest[" + (classLabel != null ? "class=" + classLabel : "prompt=" + prompt) + ", seeds=" + Arrays.toString(seeds) + ", sampling=" + sampling + "]";
    }
}
