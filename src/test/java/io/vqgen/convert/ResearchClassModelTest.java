package io.vqgen.convert;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import io.vqgen.model.ClassTransformer;
import io.vqgen.model.ClassTransformerConfig;
import io.vqgen.model.vq.VqModel;
import io.vqgen.pipeline.GeneratedImage;
import io.vqgen.pipeline.ImageRequest;
import io.vqgen.pipeline.PipelineException;
import io.vqgen.pipeline.NoiseMode;
import io.vqgen.pipeline.PipelineOptions;
import io.vqgen.pipeline.SamplingOptions;
import io.vqgen.pipeline.VqDiffusionPipeline;
import io.vqgen.weights.LoadOptions;
import io.vqgen.weights.ModelFolder;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;

import static io.vqgen.convert.ResearchGoldens.assertWithinRounding;
import static io.vqgen.convert.ResearchGoldens.file;
import static io.vqgen.convert.ResearchGoldens.longs;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The class-conditional (ImageNet) model of the research release, shrunk: imagenet_learnable's form (class_number
 * 1001 in the checkpoint against 1000 in the yaml: the learned unconditional class) and imagenet_pretrained's (1000
 * class embeddings, the unconditional label taking their mean, a checkpoint with no ema), a VQGAN codec whose
 * Lightning checkpoint carries loss weights, position embeddings on a larger grid than the tokens.
 */
class ResearchClassModelTest {
    @TempDir
    static Path tmp;
    static Path learnable;
    static Path pretrained;
    static OriginalConverter.Report learnableReport;
    static OriginalConverter.Report pretrainedReport;

    @BeforeAll
    static void convert() {
        learnable = tmp.resolve("imagenet-tiny");
        pretrained = tmp.resolve("imagenet-tiny-pretrained");
        learnableReport = OriginalConverter.convert(sources("tiny_class.pth"), learnable);
        pretrainedReport = OriginalConverter.convert(sources("tiny_class_pretrained.pth"), pretrained);
    }

    static OriginalConverter.Sources sources(String checkpoint) {
        return new OriginalConverter.Sources(file("tiny_class.yaml"), file(checkpoint), null, null, null, null, null,
                ResearchGoldens.DIR);
    }

    @Test
    void inspectModelFindsNothingWrong() {
        io.vqgen.weights.ModelReport report = io.vqgen.weights.ModelInspector.inspect(ModelFolder.open(learnable), null);
        assertEquals(List.of(), report.problems());
    }

    @Test
    void mapsEveryTensorKeepingTheReleasesNames() {
        assertTrue(learnableReport.emaApplied());
        assertFalse(pretrainedReport.emaApplied());
        assertEquals(30L, pretrainedReport.epoch());
        assertEquals(43, learnableReport.written().get(ClassTransformer.COMPONENT));
        assertEquals(153, learnableReport.written().get(VqModel.COMPONENT));
        assertEquals(List.of("loss.* (2 tensors): training losses (discriminator, perceptual network)",
                "transformer.log_* (8 tensors): the diffusion schedule, which the scheduler recomputes from num_train_timesteps",
                "transformer.Lt_* (2 tensors): training statistics of the time sampler"), learnableReport.dropped());
        ModelFolder folder = ModelFolder.open(learnable);
        assertEquals(1001, folder.config("transformer").json().path("num_class_embeds").asInt());
        assertEquals(1000, ModelFolder.open(pretrained).config("transformer").json().path("num_class_embeds").asInt());
        assertEquals("nearest", folder.config("vqvae").json().path("quantizer").asText());
        assertEquals("[8,8]", folder.config("transformer").json().path("position_grid").toString());
    }

    @ParameterizedTest
    @CsvSource({"cond, 0", "cond, 4", "cond, 9", "uncond, 0", "uncond, 4", "uncond, 9"})
    void transformerLogProbabilitiesWithinRounding(String which, int t) {
        long label = which.equals("cond") ? 3 : 1000;
        assertWithinRounding(which + " t=" + t, logProbs(learnable, label, t), "class/log_px0_" + which + "_t" + t + "_f32.npy",
                "class/log_px0_" + which + "_t" + t + "_f64.npy");
    }

    @Test
    void withoutALearnedUnconditionalClassTheMeanEmbeddingIsUsed() {
        assertWithinRounding("mean class embedding", logProbs(pretrained, 1000, 4),
                "class/pretrained_log_px0_uncond_t4_f32.npy", "class/pretrained_log_px0_uncond_t4_f64.npy");
    }

    private static float[] logProbs(Path folderDir, long label, int t) {
        try (NDManager m = NDManager.newBaseManager()) {
            ModelFolder folder = ModelFolder.open(folderDir);
            ClassTransformer transformer = ClassTransformer.create(ClassTransformerConfig.from(folder.config("transformer")),
                    folder.weights("transformer", LoadOptions.cpuFloat32()), m);
            NDArray tokens = m.create(longs("class/x_t.npy"), new Shape(2, 16));
            return transformer.logPx0(tokens, m.create(new long[] {label, label}), t).toFloatArray();
        }
    }

    @Test
    void decodesMappedTokensWithinRounding() {
        try (NDManager m = NDManager.newBaseManager()) {
            VqModel vq = VqModel.load(ModelFolder.open(learnable), LoadOptions.cpuFloat32(), m);
            NDArray tokens = m.create(longs("class/decode_tokens.npy"), new Shape(2, 16));
            NDArray images = VqModel.toImage(vq.decode(vq.codebookEntry(tokens, 4, 4))).transpose(0, 3, 1, 2);
            assertWithinRounding("decoded images", images.toFloatArray(), "class/decode_f32.npy", "class/decode_f64.npy");
        }
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource({"label3_g15_r094, 3, 5, 1.5, 0.94, 2", "label7_no_guidance_r1, 7, 8, 1.0, 1.0, 1"})
    void generatesTheReleasesTokenGridsInReferenceNoiseMode(String name, int label, long seed, double guidance,
                                                            double truncation, int images) {
        SamplingOptions options = new SamplingOptions(10, guidance, truncation, NoiseMode.REFERENCE, 1, 0, 0);
        List<ImageRequest> requests = java.util.Collections.nCopies(images, ImageRequest.forClass(label, seed, null));
        try (VqDiffusionPipeline pipeline = VqDiffusionPipeline.load(learnable, PipelineOptions.cpu())) {
            assertTrue(pipeline.classConditional());
            assertEquals(1000, pipeline.numClasses());
            List<GeneratedImage> out = pipeline.generate(options, requests);
            long[] tokens = out.stream().flatMapToInt(g -> Arrays.stream(g.tokens())).asLongStream().toArray();
            ResearchGoldens.assertTokens(name, longs("class/generate_" + name + "_tokens.npy"), tokens);
            ResearchTextModelTest.assertImages(name, ResearchGoldens.floats("class/generate_" + name + "_images.npy"), out);
        }
    }

    @Test
    void refusesPromptsAndLabelsOutsideTheModelsClasses() {
        SamplingOptions options = new SamplingOptions(10, 1.0, 1.0, NoiseMode.PER_IMAGE, 1, 0, 0);
        try (VqDiffusionPipeline pipeline = VqDiffusionPipeline.load(learnable, PipelineOptions.cpu())) {
            PipelineException e = assertThrows(PipelineException.class,
                    () -> pipeline.generate(options, List.of(ImageRequest.of("a dog", 1))));
            assertEquals("this model is class-conditional: ask for a class label 0..999 (generate --class-label N), "
                    + "not a prompt", e.getMessage());
            e = assertThrows(PipelineException.class, () -> pipeline.generate(options, List.of(
                    ImageRequest.forClass(1000, 1, null))));
            assertEquals("class label 1000 is outside 0..999 (the model's num_classes)", e.getMessage());
        }
    }
}
