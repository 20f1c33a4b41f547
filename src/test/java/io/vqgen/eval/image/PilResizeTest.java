package io.vqgen.eval.image;

import com.fasterxml.jackson.databind.JsonNode;
import io.vqgen.eval.EvalGoldens;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Pillow 9.4's resize (goldens: PIL.Image.resize on the same image, see src/test/reference/eval/README.md). */
class PilResizeTest {

    @Test
    void eightBitResizeIsPillowsBitForBit() {
        // Pillow's 8-bit path is integer arithmetic on coefficients computed in double: nothing left to rounding
        for (JsonNode c : EvalGoldens.json().get("resize")) {
            RgbImage in = EvalGoldens.image(c.get("image").asText());
            RgbImage expected = EvalGoldens.expectedImage(c.get("file").asText());
            RgbImage out = PilResize.resize(in, c.get("width").asInt(), c.get("height").asInt(),
                    PilFilter.ofCode(c.get("filter").asInt()));
            assertEquals(expected.width(), out.width());
            assertEquals(expected.height(), out.height());
            assertArrayEquals(expected.pixels(), out.pixels(), c.get("file").asText());
        }
    }

    @Test
    void floatResizeMatchesPillowsModeF() {
        RgbImage in = EvalGoldens.image("portrait97x143");
        float[] plane = new float[in.width() * in.height()];
        for (int i = 0; i < plane.length; i++) {
            plane[i] = (in.pixels()[i * 3] & 0xFF) * 1.37f - 20.5f;
        }
        for (int[] size : new int[][] {{41, 29}, {160, 200}}) {
            float[] expected = EvalGoldens.npy("resize_float_portrait97x143_" + size[0] + "x" + size[1] + ".npy").toFloats();
            float[] out = PilResize.resize(plane, in.width(), in.height(), size[0], size[1], PilFilter.BICUBIC);
            assertEquals(expected.length, out.length);
            for (int i = 0; i < out.length; i++) {
                // the same double sums in the same order, stored as float32: equal unless a compiler fused a
                // multiply-add on one side, which moves the double sum by an ulp and the float by at most one
                assertTrue(Math.abs(out[i] - expected[i]) <= Math.ulp(expected[i]),
                        "value " + i + ": " + out[i] + " vs " + expected[i]);
            }
        }
    }

    @Test
    void sameSizeIsUnchangedAndNearestIsRefused() {
        RgbImage in = EvalGoldens.image("tiny32");
        assertEquals(in, PilResize.resize(in, 32, 32, PilFilter.BICUBIC));
        IllegalArgumentException e = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                () -> PilFilter.ofCode(0));
        assertTrue(e.getMessage().contains("nearest"), e.getMessage());
    }
}
