package io.vqgen.eval.image;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.vqgen.eval.EvalGoldens;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** CLIPImageProcessor 4.30's steps against the goldens (Pillow resize, crop, rescale, normalise). */
class ClipImageProcessorTest {

    @Test
    void resizeAndCropAt224MatchForEveryImageKind() {
        // every decoded mode (RGB, grey, RGBA, palette) and size (down- and upscaling, odd sizes): the 8-bit crop
        // that is then rescaled must equal Pillow's exactly
        ClipImageProcessor p = ClipImageProcessor.defaults();
        for (String name : EvalGoldens.imageNames()) {
            RgbImage expected = EvalGoldens.expectedImage("clip224_" + name + ".png");
            RgbImage crop = ClipImageProcessor.centerCrop(resizeShortest(EvalGoldens.image(name), p), 224, 224);
            assertArrayEquals(expected.pixels(), crop.pixels(), name);
        }
    }

    @Test
    void pixelValuesOfTheTinyModelMatch() throws Exception {
        ClipImageProcessor p = ClipImageProcessor.fromJson("preprocessor_config.json", new ObjectMapper().readTree(
                getClass().getResourceAsStream("/io/vqgen/presets/clip-tiny/preprocessor_config.json")));
        float[] expected = EvalGoldens.npy("clip_tiny_pixel_values.npy").toFloats();
        List<RgbImage> images = EvalGoldens.images();
        int per = expected.length / images.size();
        for (int i = 0; i < images.size(); i++) {
            float[] out = p.process(images.get(i));
            assertEquals(per, out.length);
            for (int j = 0; j < per; j++) {
                // float64 product stored as float32, then float32 (x - mean) / std: IEEE arithmetic on both sides
                assertEquals(expected[i * per + j], out[j], 0f, "image " + i + " value " + j);
            }
        }
    }

    @Test
    void smallerImagesArePaddedWithZerosAroundTheCentre() {
        byte[] px = new byte[4 * 2 * 3];
        java.util.Arrays.fill(px, (byte) 200);
        RgbImage out = ClipImageProcessor.centerCrop(new RgbImage(4, 2, px), 6, 6);
        assertEquals(6, out.width());
        assertEquals(6, out.height());
        // rows 0, 1 and 4, 5 and columns 0 and 5 are padding; transformers centres with floor division
        assertEquals(0, out.pixels()[(0 * 6 + 2) * 3]);
        assertEquals((byte) 200, out.pixels()[(2 * 6 + 1) * 3]);
        assertEquals(0, out.pixels()[(2 * 6 + 5) * 3]);
    }

    @Test
    void configsThatAreNotClipsAreRefused() throws Exception {
        ObjectMapper json = new ObjectMapper();
        assertThrows(IllegalArgumentException.class, () -> ClipImageProcessor.fromJson("p.json",
                json.readTree("{\"image_processor_type\": \"SiglipImageProcessor\"}")));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ClipImageProcessor.fromJson(
                "p.json", json.readTree("{\"size\": {\"height\": 224, \"width\": 224}}")));
        assertTrue(e.getMessage().contains("shortest_edge"), e.getMessage());
        assertEquals(224, ClipImageProcessor.fromJson("p.json", json.readTree("{\"size\": 224, \"crop_size\": 224}"))
                .cropHeight());
        assertTrue(Files.isDirectory(EvalGoldens.DIR));
    }

    private static RgbImage resizeShortest(RgbImage image, ClipImageProcessor p) {
        int w = image.width();
        int h = image.height();
        int s = Math.min(w, h);
        int l = Math.max(w, h);
        int newLong = (int) ((double) (224L * l) / s);
        return s == 224 ? image : w <= h ? PilResize.resize(image, 224, newLong, p.resample())
                : PilResize.resize(image, newLong, 224, p.resample());
    }
}
