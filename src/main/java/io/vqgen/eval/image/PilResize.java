package io.vqgen.eval.image;

/**
 * Pillow's {@code Image.resize} (its {@code ImagingResample}, Pillow 9.x, no box, no reducing gap), bit for bit:
 * separable convolution with the filter widened by the scale when shrinking (antialiasing), a horizontal pass
 * then a vertical pass. 8-bit images use Pillow's fixed-point arithmetic (22 fractional bits, rounded and
 * clipped to 0..255 after each pass); float images (mode "F") sum in double and store float32 after each pass.
 */
public final class PilResize {
    private static final int PRECISION_BITS = 32 - 8 - 2;

    private PilResize() {
    }

    /** Weights of one output axis: for output i, {@code count[i]} taps starting at input {@code first[i]}. */
    private record Coefficients(int ksize, int[] first, int[] count, double[] weights) {
    }

    /** Pillow's precompute_coeffs for the whole axis (box 0..inSize). */
    private static Coefficients coefficients(int inSize, int outSize, PilFilter filter) {
        double scale = (double) inSize / outSize;
        double filterScale = Math.max(scale, 1.0);
        double support = filter.support() * filterScale;
        int ksize = (int) Math.ceil(support) * 2 + 1;
        int[] first = new int[outSize];
        int[] count = new int[outSize];
        double[] weights = new double[outSize * ksize];
        for (int xx = 0; xx < outSize; xx++) {
            double center = (xx + 0.5) * scale;
            double ss = 1.0 / filterScale;
            int xmin = Math.max((int) (center - support + 0.5), 0);
            int xmax = Math.min((int) (center + support + 0.5), inSize) - xmin;
            double ww = 0.0;
            for (int x = 0; x < xmax; x++) {
                double w = filter.weight((x + xmin - center + 0.5) * ss);
                weights[xx * ksize + x] = w;
                ww += w;
            }
            if (ww != 0.0) {
                for (int x = 0; x < xmax; x++) {
                    weights[xx * ksize + x] /= ww;
                }
            }
            first[xx] = xmin;
            count[xx] = Math.max(xmax, 0);
        }
        return new Coefficients(ksize, first, count, weights);
    }

    private static int[] fixedPoint(double[] weights) {
        int[] out = new int[weights.length];
        for (int i = 0; i < weights.length; i++) {
            double k = weights[i];
            out[i] = (int) (k < 0 ? -0.5 + k * (1 << PRECISION_BITS) : 0.5 + k * (1 << PRECISION_BITS));
        }
        return out;
    }

    private static int clip8(int ss) {
        int v = ss >> PRECISION_BITS;
        return v < 0 ? 0 : Math.min(v, 255);
    }

    /** Resizes an 8-bit RGB image as {@code PIL.Image.resize((width, height), resample=filter)} does. */
    public static RgbImage resize(RgbImage in, int width, int height, PilFilter filter) {
        if (width < 1 || height < 1) {
            throw new IllegalArgumentException("cannot resize to " + width + "x" + height);
        }
        if (width == in.width() && height == in.height()) {
            return in; // Pillow returns a copy of the image unchanged
        }
        Coefficients vertical = coefficients(in.height(), height, filter);
        int firstRow = vertical.first()[0];
        int lastRow = vertical.first()[height - 1] + vertical.count()[height - 1];
        byte[] src = in.pixels();
        int srcWidth = in.width();
        int rows = in.height();
        int rowOffset = 0;
        if (width != in.width()) {
            // the horizontal pass covers only the rows the vertical pass will read
            Coefficients h = coefficients(in.width(), width, filter);
            int[] k = fixedPoint(h.weights());
            rows = lastRow - firstRow;
            byte[] tmp = new byte[rows * width * 3];
            for (int y = 0; y < rows; y++) {
                int rowStart = (y + firstRow) * srcWidth * 3;
                for (int xx = 0; xx < width; xx++) {
                    int xmin = h.first()[xx];
                    int base = xx * h.ksize();
                    int s0 = 1 << (PRECISION_BITS - 1);
                    int s1 = s0;
                    int s2 = s0;
                    for (int x = 0; x < h.count()[xx]; x++) {
                        int p = rowStart + (x + xmin) * 3;
                        int w = k[base + x];
                        s0 += (src[p] & 0xFF) * w;
                        s1 += (src[p + 1] & 0xFF) * w;
                        s2 += (src[p + 2] & 0xFF) * w;
                    }
                    int o = (y * width + xx) * 3;
                    tmp[o] = (byte) clip8(s0);
                    tmp[o + 1] = (byte) clip8(s1);
                    tmp[o + 2] = (byte) clip8(s2);
                }
            }
            src = tmp;
            srcWidth = width;
            rowOffset = firstRow;
        }
        if (height == in.height()) {
            return new RgbImage(width, height, src);
        }
        int[] k = fixedPoint(vertical.weights());
        byte[] out = new byte[height * width * 3];
        for (int yy = 0; yy < height; yy++) {
            int ymin = vertical.first()[yy] - rowOffset;
            int base = yy * vertical.ksize();
            for (int xx = 0; xx < width; xx++) {
                int s0 = 1 << (PRECISION_BITS - 1);
                int s1 = s0;
                int s2 = s0;
                for (int y = 0; y < vertical.count()[yy]; y++) {
                    int p = ((y + ymin) * srcWidth + xx) * 3;
                    int w = k[base + y];
                    s0 += (src[p] & 0xFF) * w;
                    s1 += (src[p + 1] & 0xFF) * w;
                    s2 += (src[p + 2] & 0xFF) * w;
                }
                int o = (yy * width + xx) * 3;
                out[o] = (byte) clip8(s0);
                out[o + 1] = (byte) clip8(s1);
                out[o + 2] = (byte) clip8(s2);
            }
        }
        return new RgbImage(width, height, out);
    }

    /**
     * Resizes one float plane ({@code Image.fromarray(x, mode="F").resize(...)}): double sums, float32 storage
     * after each pass.
     *
     * @param plane row-major [height][width]
     */
    public static float[] resize(float[] plane, int inWidth, int inHeight, int width, int height, PilFilter filter) {
        if (plane.length != inWidth * inHeight) {
            throw new IllegalArgumentException("plane of " + plane.length + " values is not " + inWidth + "x" + inHeight);
        }
        if (width == inWidth && height == inHeight) {
            return plane.clone();
        }
        Coefficients vertical = coefficients(inHeight, height, filter);
        int firstRow = vertical.first()[0];
        int lastRow = vertical.first()[height - 1] + vertical.count()[height - 1];
        float[] src = plane;
        int srcWidth = inWidth;
        int rowOffset = 0;
        if (width != inWidth) {
            Coefficients h = coefficients(inWidth, width, filter);
            int rows = lastRow - firstRow;
            float[] tmp = new float[rows * width];
            for (int y = 0; y < rows; y++) {
                int rowStart = (y + firstRow) * inWidth;
                for (int xx = 0; xx < width; xx++) {
                    int xmin = h.first()[xx];
                    int base = xx * h.ksize();
                    double ss = 0.0;
                    for (int x = 0; x < h.count()[xx]; x++) {
                        ss += plane[rowStart + x + xmin] * h.weights()[base + x];
                    }
                    tmp[y * width + xx] = (float) ss;
                }
            }
            src = tmp;
            srcWidth = width;
            rowOffset = firstRow;
        }
        if (height == inHeight) {
            return src;
        }
        float[] out = new float[height * width];
        for (int yy = 0; yy < height; yy++) {
            int ymin = vertical.first()[yy] - rowOffset;
            int base = yy * vertical.ksize();
            for (int xx = 0; xx < width; xx++) {
                double ss = 0.0;
                for (int y = 0; y < vertical.count()[yy]; y++) {
                    ss += src[(y + ymin) * srcWidth + xx] * vertical.weights()[base + y];
                }
                out[yy * width + xx] = (float) ss;
            }
        }
        return out;
    }
}
