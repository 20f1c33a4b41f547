package io.vqgen.eval;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import com.fasterxml.jackson.databind.JsonNode;
import io.vqgen.Reference;
import io.vqgen.weights.LoadOptions;
import io.vqgen.weights.TransformersFolder;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * CLIP features and torchmetrics' CLIP score against the goldens (OpenAI's CLIP on the same random weights, through
 * torchmetrics 1.3's own update and compute). The model is regenerated with init-model --preset clip-tiny and the
 * real CLIP vocabulary from the reference fixtures; its sha256 proves it is the model the goldens were made with.
 * Tolerances: the float32 results may differ from upstream's by float32 rounding, whose size the goldens measured
 * as the largest |float64 − float32| of the same upstream modules; 4× that covers two float32 computations drifting
 * apart in opposite directions with some room.
 */
class ClipScoreGoldenTest {
    @TempDir
    static Path tmp;
    static NDManager manager;
    static ClipScorer scorer;

    @BeforeAll
    static void load() throws Exception {
        Path model = tmp.resolve("clip-tiny");
        EvalModels.write(EvalModels.Preset.CLIP_TINY, 0, model, Reference.path("tokenizer-clip"));
        assertEquals(EvalGoldens.json().get("clip").get("model_sha256").asText(),
                EvalGoldens.sha256(model.resolve("model.safetensors")),
                "init-model no longer writes the weights the goldens were made with: remake them (tools/reference/eval)");
        manager = NDManager.newBaseManager();
        scorer = ClipScorer.load(TransformersFolder.open(model, "a CLIPModel folder"), LoadOptions.cpuFloat32(), manager);
    }

    @AfterAll
    static void close() {
        if (scorer != null) {
            scorer.close();
        }
        if (manager != null) {
            manager.close();
        }
    }

    @Test
    void tokenIdsAreTheReferenceTokenizers() {
        JsonNode clip = EvalGoldens.json().get("clip");
        for (int i = 0; i < clip.get("prompts").size(); i++) {
            int[] expected = ints(clip.get("input_ids").get(i));
            int[] ids = scorer.ids(clip.get("prompts").get(i).asText());
            // torchmetrics cuts a long caption to 77 ids
            assertArrayEquals(java.util.Arrays.copyOf(expected, Math.min(expected.length, 77)), ids, "prompt " + i);
        }
    }

    @Test
    void imageFeaturesMatchFromTheGoldenPixels() {
        float[][] expected = EvalGoldens.rows("clip_image_features.npy");
        float[] pixels = EvalGoldens.npy("clip_tiny_pixel_values.npy").toFloats();
        try (NDManager work = manager.newSubManager()) {
            NDArray in = work.create(pixels, new Shape(expected.length, 3, 32, 32));
            float[] out = scorer.imageFeatures(in).toFloatArray();
            assertClose(expected, out, 4 * EvalGoldens.tolerance("clip_image_features"), "image features");
        }
    }

    @Test
    void textFeaturesMatch() {
        float[][] expected = EvalGoldens.rows("clip_text_features.npy");
        try (NDManager work = manager.newSubManager()) {
            float[] out = scorer.textFeatures(work, prompts()).toFloatArray();
            assertClose(expected, out, 4 * EvalGoldens.tolerance("clip_text_features"), "text features");
        }
    }

    @Test
    void scoresAndTheMetricMatchTorchmetrics() {
        JsonNode clip = EvalGoldens.json().get("clip");
        float[] scores = scorer.scores(EvalGoldens.images(), prompts());
        double tol = 4 * EvalGoldens.tolerance("clip_scores");
        for (int i = 0; i < scores.length; i++) {
            assertEquals(clip.get("scores").get(i).asDouble(), scores[i], tol, "pair " + i);
        }
        ClipScoreSummary summary = ClipScoreSummary.of(scores);
        double expected = clip.get("clip_score").asDouble();
        assertEquals(expected, summary.clipScore(), 1e-4 * Math.abs(expected), "CLIP score (torchmetrics compute)");
        assertEquals(clip.get("n").asLong(), summary.n());
    }

    @Test
    void negativeMeansAreClampedAtZeroAsTorchmetricsDoes() {
        assertEquals(0.0, new ClipScoreSummary(2, -3.0, 5.0).clipScore());
        assertEquals(-1.5, new ClipScoreSummary(2, -3.0, 5.0).mean());
        assertTrue(new ClipScoreSummary(1, 2, 4).std() != new ClipScoreSummary(1, 2, 4).std(), "std of one is NaN");
    }

    static List<String> prompts() {
        List<String> out = new ArrayList<>();
        EvalGoldens.json().get("clip").get("prompts").forEach(p -> out.add(p.asText()));
        return out;
    }

    static void assertClose(float[][] expected, float[] out, double tol, String what) {
        int d = expected[0].length;
        assertEquals(expected.length * d, out.length, what + ": size");
        double worst = 0;
        for (int i = 0; i < expected.length; i++) {
            for (int j = 0; j < d; j++) {
                worst = Math.max(worst, Math.abs(expected[i][j] - out[i * d + j]));
            }
        }
        assertTrue(worst <= tol, what + ": max |diff| " + worst + " > " + tol);
    }

    private static int[] ints(JsonNode a) {
        int[] out = new int[a.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = a.get(i).asInt();
        }
        return out;
    }
}
