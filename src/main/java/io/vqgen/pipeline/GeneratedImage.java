package io.vqgen.pipeline;

/**
 * One generated image.
 *
 * @param seed        the seed its noise came from
 * @param tokens      final token grid, row-major, tokenHeight × tokenWidth
 * @param rgb         8-bit RGB pixels, row-major HWC, {@code round(x * 255)} of the [0, 1] image as diffusers converts it
 * @param pixels      the float image in [0, 1], HWC (what diffusers returns with output_type="np")
 */
public record GeneratedImage(long seed, int[] tokens, int tokenHeight, int tokenWidth,
                             byte[] rgb, float[] pixels, int width, int height) {
}
