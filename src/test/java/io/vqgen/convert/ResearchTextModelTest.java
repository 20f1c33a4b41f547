package io.vqgen.convert;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.vqgen.model.ClipTextEncoder;
import io.vqgen.model.Transformer2D;
import io.vqgen.model.vq.VqModel;
import io.vqgen.pipeline.GeneratedImage;
import io.vqgen.pipeline.ImageRequest;
import io.vqgen.pipeline.NoiseMode;
import io.vqgen.pipeline.PipelineOptions;
import io.vqgen.pipeline.SamplingOptions;
import io.vqgen.pipeline.VqDiffusionPipeline;
import io.vqgen.text.ClipTokenizer;
import io.vqgen.weights.LoadOptions;
import io.vqgen.weights.ModelFolder;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;

import static io.vqgen.convert.ResearchGoldens.assertWithinRounding;
import static io.vqgen.convert.ResearchGoldens.file;
import static io.vqgen.convert.ResearchGoldens.longs;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A text-to-image model of the research release (a shrunk configs/coco.yaml, its solver checkpoint with ema and
 * optimizer state, a Lightning Gumbel codec checkpoint, a code mapping, the release's tokenizer format), converted
 * and compared with what the release's own modules computed.
 */
class ResearchTextModelTest {
    @TempDir
    static Path tmp;
    static Path model;
    static OriginalConverter.Report report;

    @BeforeAll
    static void convert() {
        model = tmp.resolve("coco-tiny");
        report = OriginalConverter.convert(sources(), model);
    }

    static OriginalConverter.Sources sources() {
        return new OriginalConverter.Sources(file("tiny_text.yaml"), file("tiny_text.pth"), null, null, null, null, null,
                ResearchGoldens.DIR);
    }

    @Test
    void inspectModelFindsNothingWrong() {
        io.vqgen.weights.ModelReport report = io.vqgen.weights.ModelInspector.inspect(ModelFolder.open(model), null);
        assertEquals(List.of(), report.problems());
    }

    @Test
    void mapsEveryTensorAndDropsOnlyWhatTheModelRecomputesOrNeverUses() {
        assertEquals("text", report.kind());
        assertTrue(report.emaApplied());
        assertEquals(9L, report.epoch());
        // 2 layers x 29 + 5 (embeddings, norm_out, out); 2 CLIP layers x 16 (q/k/v split) + 4; the codec's 155
        assertEquals(63, report.written().get(Transformer2D.COMPONENT));
        assertEquals(36, report.written().get(ClipTextEncoder.COMPONENT));
        assertEquals(155, report.written().get(VqModel.COMPONENT));
        assertEquals(1, report.written().get(ModelFolder.CF_EMBEDDINGS));
        assertEquals(List.of(
                "transformer.log_* (8 tensors): the diffusion schedule, which the scheduler recomputes from num_train_timesteps",
                "transformer.Lt_* (2 tensors): training statistics of the time sampler",
                "transformer.transformer.blocks.*.attn2.mask (2 tensors): causal-mask buffers that CrossAttention never applies",
                "transformer.condition_emb.text_projection: CLIP's pooled projection: the model reads the per-token states"),
                report.dropped());
        ModelFolder folder = ModelFolder.open(model);
        assertEquals("posterior", folder.config("scheduler").json().path("last_step").asText());
        assertEquals(41, folder.config("scheduler").json().path("num_vec_classes").asInt());
        JsonNode vq = folder.config(VqModel.COMPONENT).json();
        assertEquals("gumbel", vq.path("quantizer").asText());
        assertEquals(40, vq.path("num_tokens").asInt());
        assertEquals(64, vq.path("num_vq_embeddings").asInt());
        assertTrue(folder.modelIndex().path("_vqgen_source").path("ema_applied").asBoolean());
    }

    @Test
    void tokenizesAsTheReleaseAndEncodesTextWithinRounding() {
        ClipTokenizer tokenizer = ClipTokenizer.load(model.resolve("tokenizer"));
        long[] expected = longs("text/prompt_ids.npy");
        int[] first = tokenizer.encodeForPipeline("a red bus on a street");
        int[] second = tokenizer.encodeForPipeline("a cat");
        long[] ours = new long[first.length + second.length];
        for (int i = 0; i < first.length; i++) {
            ours[i] = first[i];
            ours[first.length + i] = second[i];
        }
        assertArrayEquals(expected, ours, "the release pads with 0 after eos");
        assertArrayEquals(longs("text/empty_ids.npy"), Arrays.stream(tokenizer.encodeUnconditional()).asLongStream().toArray());
        try (NDManager m = NDManager.newBaseManager()) {
            ModelFolder folder = ModelFolder.open(model);
            ClipTextEncoder encoder = ClipTextEncoder.load(folder, LoadOptions.cpuFloat32(), m);
            NDArray ids = m.create(expected, new Shape(2, 77));
            assertWithinRounding("text embeddings", encoder.encodeNormalized(ids).toFloatArray(),
                    "text/embeddings_f32.npy", "text/embeddings_f64.npy");
        }
    }

    @ParameterizedTest
    @CsvSource({"0", "6", "9"})
    void transformerLogProbabilitiesWithinRounding(int t) {
        try (NDManager m = NDManager.newBaseManager()) {
            ModelFolder folder = ModelFolder.open(model);
            Transformer2D transformer = Transformer2D.load(folder, LoadOptions.cpuFloat32(), m);
            float[] embeddings = ResearchGoldens.floats("text/embeddings_f32.npy");
            NDArray context = m.create(embeddings, new Shape(2, 77, 64));
            NDArray tokens = m.create(longs("text/x_t.npy"), new Shape(2, 64));
            NDArray logp = transformer.logPx0(tokens, context, t);
            assertWithinRounding("log p(x0) at t=" + t, logp.toFloatArray(), "text/log_px0_t" + t + "_f32.npy",
                    "text/log_px0_t" + t + "_f64.npy");
        }
    }

    @Test
    void decodesMappedTokensWithinRounding() {
        try (NDManager m = NDManager.newBaseManager()) {
            VqModel vq = VqModel.load(ModelFolder.open(model), LoadOptions.cpuFloat32(), m);
            NDArray tokens = m.create(longs("text/decode_tokens.npy"), new Shape(2, 64));
            NDArray images = VqModel.toImage(vq.decode(vq.codebookEntry(tokens, 8, 8))).transpose(0, 3, 1, 2);
            assertWithinRounding("decoded images", images.toFloatArray(), "text/decode_f32.npy", "text/decode_f64.npy");
        }
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource({
        "learned_cf_g3_r086, a red bus on a street, 7, 3.0, 0.86, true, 1, 1",
        "empty_cf_g5_r1, a cat, 123, 5.0, 1.0, false, 1, 2",
        "no_guidance_r09, a cat, 2, 1.0, 0.9, true, 1, 1",
        "fast2_learned_cf_g3, a red bus on a street, 9, 3.0, 1.0, true, 2, 1",
    })
    void generatesTheReleasesTokenGridsInReferenceNoiseMode(String name, String prompt, long seed, double guidance,
                                                            double truncation, boolean learnedCf, double inferSpeed,
                                                            int images) throws IOException {
        Path folder = learnedCf ? model : withoutLearnedEmbeddings();
        SamplingOptions options = new SamplingOptions(10, guidance, truncation, NoiseMode.REFERENCE, inferSpeed, 0, 0);
        List<ImageRequest> requests = java.util.Collections.nCopies(images, ImageRequest.of(prompt, seed));
        try (VqDiffusionPipeline pipeline = VqDiffusionPipeline.load(folder, PipelineOptions.cpu())) {
            List<GeneratedImage> out = pipeline.generate(options, requests);
            long[] tokens = out.stream().flatMapToInt(g -> Arrays.stream(g.tokens())).asLongStream().toArray();
            ResearchGoldens.assertTokens(name, longs("text/generate_" + name + "_tokens.npy"), tokens);
            float[] expected = ResearchGoldens.floats("text/generate_" + name + "_images.npy");
            assertImages(name, expected, out);
        }
    }

    /** The release's learnable_cf=False on a learnable checkpoint: guidance encodes the empty prompt. */
    private static Path withoutLearnedEmbeddings() throws IOException {
        Path copy = tmp.resolve("coco-tiny-empty-cf");
        if (!Files.exists(copy)) {
            try (var files = Files.walk(model)) {
                for (Path p : files.toList()) {
                    Path target = copy.resolve(model.relativize(p).toString());
                    if (Files.isDirectory(p)) {
                        Files.createDirectories(target);
                    } else {
                        Files.copy(p, target);
                    }
                }
            }
            Path config = copy.resolve(ModelFolder.CF_EMBEDDINGS).resolve("config.json");
            ObjectMapper json = new ObjectMapper();
            ObjectNode node = (ObjectNode) json.readTree(config.toFile());
            node.put("learnable", false);
            json.writeValue(config.toFile(), node);
        }
        return copy;
    }

    /**
     * Images [B, 3, H, W] of the release against ours [H, W, 3] per image: the same tokens decode to the same image up
     * to float32 rounding of the decoder (the decode goldens bound it at ~1e-4 here); 1e-3 leaves room for the
     * different clamp-then-scale order, ((x.clamp(-1, 1) + 1) / 2 upstream, (x/2 + 0.5).clamp(0, 1) here).
     */
    static void assertImages(String name, float[] expected, List<GeneratedImage> out) {
        int h = out.get(0).height();
        int w = out.get(0).width();
        double worst = 0;
        for (int b = 0; b < out.size(); b++) {
            float[] ours = out.get(b).pixels();
            for (int c = 0; c < 3; c++) {
                for (int y = 0; y < h; y++) {
                    for (int x = 0; x < w; x++) {
                        float e = expected[((b * 3 + c) * h + y) * w + x];
                        float o = ours[(y * w + x) * 3 + c];
                        worst = Math.max(worst, Math.abs(e - o));
                    }
                }
            }
        }
        assertTrue(worst <= 1e-3, name + ": images differ by " + worst);
    }

    @Test
    void theConvertedFolderLoadsInTheOrdinaryPipeline() {
        try (VqDiffusionPipeline pipeline = VqDiffusionPipeline.load(model, PipelineOptions.cpu())) {
            assertEquals(8, pipeline.tokenHeight());
            assertEquals(16, pipeline.imageWidth());
            assertEquals(40, pipeline.maskClass());
            assertTrue(!pipeline.classConditional());
        }
    }

    static float[] toFloats(NDArray a) {
        return a.toType(DataType.FLOAT32, false).toFloatArray();
    }
}
