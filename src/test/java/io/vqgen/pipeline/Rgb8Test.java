package io.vqgen.pipeline;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

/** numpy's {@code (x * 255).round().astype("uint8")}; the reference PNGs themselves are checked in VqModelGoldenTest. */
class Rgb8Test {

    @Test
    void roundsTheFloat32ProductHalfToEven() {
        float twoAndAHalf = 2.5f / 255f;
        float threeAndAHalf = 3.5f / 255f;
        assertEquals(2.5f, twoAndAHalf * 255f, "premise: the product is an exact tie");
        assertEquals(3.5f, threeAndAHalf * 255f, "premise: the product is an exact tie");
        // numpy 1.24: float32([0.5, 2.5/255, 3.5/255, 1, 0, 0.1]) * 255 → round → [128, 2, 4, 255, 0, 26]
        assertArrayEquals(new byte[] {(byte) 128, 2, 4, (byte) 255, 0, 26},
                Rgb8.fromUnit(new float[] {0.5f, twoAndAHalf, threeAndAHalf, 1f, 0f, 0.1f}));
    }

    @Test
    void outOfRangeValuesAreClampedAndNaNIsZero() {
        assertArrayEquals(new byte[] {0, (byte) 255, 0}, Rgb8.fromUnit(new float[] {-0.2f, 1.7f, Float.NaN}));
    }

    @Test
    void splitsABatchIntoImages() {
        try (NDManager m = NDManager.newBaseManager()) {
            float[] values = {0f, 0.5f, 1f, 0.25f, 0.75f, 0.1f};
            byte[][] images = Rgb8.fromImages(m.create(values, new Shape(2, 1, 1, 3)));
            assertEquals(2, images.length);
            assertArrayEquals(new byte[] {0, (byte) 128, (byte) 255}, images[0]);
            assertArrayEquals(new byte[] {64, (byte) 191, 26}, images[1]);
        }
    }
}
