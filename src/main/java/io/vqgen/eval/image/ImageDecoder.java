package io.vqgen.eval.image;

import javax.imageio.ImageIO;
import java.awt.color.ColorSpace;
import java.awt.image.BufferedImage;
import java.awt.image.ComponentColorModel;
import java.awt.image.IndexColorModel;
import java.awt.image.Raster;
import java.io.ByteArrayInputStream;
import java.io.IOException;

/**
 * Encoded image bytes (PNG, JPEG, BMP, GIF: what ImageIO reads) → 8-bit RGB, as {@code PIL.Image.open(f).convert("RGB")}
 * gives them: grey replicated into the three channels, alpha dropped (not composited), palette looked up, 16-bit
 * samples reduced to their high byte. JPEG pixels come from Java's decoder, whose IDCT may differ from libjpeg's by
 * one level here and there; PNGs decode identically.
 */
public final class ImageDecoder {
    private ImageDecoder() {
    }

    /** @param source what the bytes are, for the message of an image that does not decode */
    public static RgbImage decode(byte[] bytes, String source) {
        BufferedImage image;
        try {
            image = ImageIO.read(new ByteArrayInputStream(bytes));
        } catch (IOException | RuntimeException e) {
            throw new ImageException(source + ": cannot decode the image (" + e.getMessage() + ")", e);
        }
        if (image == null) {
            throw new ImageException(source + ": not an image in a format this reader knows (PNG, JPEG, BMP, GIF; "
                    + bytes.length + " bytes)");
        }
        return toRgb(image);
    }

    static RgbImage toRgb(BufferedImage image) {
        int w = image.getWidth();
        int h = image.getHeight();
        byte[] out = new byte[w * h * 3];
        Raster raster = image.getRaster();
        if (image.getColorModel() instanceof ComponentColorModel cm
                && (cm.getColorSpace().getType() == ColorSpace.TYPE_RGB || cm.getColorSpace().getType() == ColorSpace.TYPE_GRAY)) {
            boolean gray = cm.getColorSpace().getType() == ColorSpace.TYPE_GRAY;
            int shift = Math.max(raster.getSampleModel().getSampleSize(0) - 8, 0);
            int[] row = new int[w * raster.getNumBands()];
            for (int y = 0; y < h; y++) {
                raster.getPixels(0, y, w, 1, row);
                int bands = raster.getNumBands();
                for (int x = 0; x < w; x++) {
                    for (int c = 0; c < 3; c++) {
                        out[(y * w + x) * 3 + c] = (byte) (row[x * bands + (gray ? 0 : c)] >> shift);
                    }
                }
            }
            return new RgbImage(w, h, out);
        }
        if (!(image.getColorModel() instanceof IndexColorModel) && image.getType() == BufferedImage.TYPE_CUSTOM) {
            throw new ImageException("unsupported image colour model " + image.getColorModel()
                    + " (expected RGB, grey or palette images)");
        }
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                int argb = image.getRGB(x, y);
                int o = (y * w + x) * 3;
                out[o] = (byte) (argb >> 16);
                out[o + 1] = (byte) (argb >> 8);
                out[o + 2] = (byte) argb;
            }
        }
        return new RgbImage(w, h, out);
    }
}
