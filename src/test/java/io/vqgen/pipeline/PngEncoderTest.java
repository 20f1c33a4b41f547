package io.vqgen.pipeline;

import org.junit.jupiter.api.Test;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Our PNGs decoded by an independent decoder (javax.imageio) give back the pixels. */
class PngEncoderTest {

    @Test
    void noiseAndGradientsSurviveARoundTrip() throws IOException {
        int w = 37;
        int h = 23;
        byte[] noise = new byte[w * h * 3];
        new Random(3).nextBytes(noise);
        byte[] gradient = new byte[w * h * 3];
        for (int i = 0; i < gradient.length; i++) {
            gradient[i] = (byte) ((i / 3 % w) * 7 + (i / 3 / w) * 3 + i % 3 * 50);
        }
        for (byte[] rgb : new byte[][] {noise, gradient}) {
            byte[] png = PngEncoder.encode(rgb, w, h);
            assertArrayEquals(rgb, decode(png, w, h));
            assertArrayEquals(png, PngEncoder.encode(rgb.clone(), w, h), "same pixels, same bytes");
        }
        assertTrue(PngEncoder.encode(gradient, w, h).length < gradient.length / 2, "filtering lets smooth images compress");
    }

    @Test
    void onePixel() throws IOException {
        byte[] rgb = {1, (byte) 200, 3};
        assertArrayEquals(rgb, decode(PngEncoder.encode(rgb, 1, 1), 1, 1));
    }

    @Test
    void refusesSizesThatDoNotMatchThePixels() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> PngEncoder.encode(new byte[10], 2, 2));
        assertTrue(e.getMessage().contains("10 bytes do not make a 2x2 RGB image"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> PngEncoder.encode(new byte[0], 0, 5));
    }

    private static byte[] decode(byte[] png, int w, int h) throws IOException {
        BufferedImage img = ImageIO.read(new ByteArrayInputStream(png));
        assertEquals(w, img.getWidth());
        assertEquals(h, img.getHeight());
        assertEquals(3, img.getColorModel().getNumComponents());
        assertEquals(8, img.getColorModel().getComponentSize(0));
        byte[] out = new byte[w * h * 3];
        int i = 0;
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                int p = img.getRGB(x, y);
                out[i++] = (byte) (p >> 16);
                out[i++] = (byte) (p >> 8);
                out[i++] = (byte) p;
            }
        }
        return out;
    }
}
