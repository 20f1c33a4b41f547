package io.vqgen.eval.image;

/**
 * An 8-bit RGB image, row-major, channels interleaved ({@code pixels[(y·width + x)·3 + c]}): what
 * {@code np.asarray(PIL.Image.open(f).convert("RGB"))} holds.
 */
public record RgbImage(int width, int height, byte[] pixels) {
    public RgbImage {
        if (width < 1 || height < 1 || pixels.length != (long) width * height * 3) {
            throw new IllegalArgumentException("RGB image " + width + "x" + height + " needs " + (long) width * height * 3
                    + " bytes, got " + pixels.length);
        }
    }

    /** Rows {@code top..top+h} and columns {@code left..left+w}, which must lie inside the image. */
    public RgbImage crop(int left, int top, int w, int h) {
        if (left < 0 || top < 0 || left + w > width || top + h > height) {
            throw new IllegalArgumentException("crop " + w + "x" + h + " at (" + left + ", " + top + ") leaves the "
                    + width + "x" + height + " image");
        }
        byte[] out = new byte[w * h * 3];
        for (int y = 0; y < h; y++) {
            System.arraycopy(pixels, ((top + y) * width + left) * 3, out, y * w * 3, w * 3);
        }
        return new RgbImage(w, h, out);
    }
}
