package io.vqgen.job;

import io.vqgen.pipeline.SamplingOptions;

/**
 * A valid row and the images still to make from it.
 *
 * @param classLabel the class to draw (a class-conditional model), else null and the prompt says what to draw
 * @param baseSeed image {@code i} uses {@code baseSeed + i} (see {@link Seeds})
 * @param indices  the image indices to generate (those not yet {@code ok} in the manifest), ascending
 */
record WorkItem(String id, String prompt, Integer classLabel, SamplingOptions sampling, long baseSeed, int[] indices) {
}
