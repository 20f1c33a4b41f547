package io.vqgen.pipeline;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.vqgen.LogCapture;
import io.vqgen.weights.WeightsException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Bad requests and broken model folders: each refused with a message that says what was wrong. */
class PipelineInputTest {
    private static final Path SAMPLE = Path.of("sample-data/model");
    private static final SamplingOptions OPTIONS = SamplingOptions.defaults().withSteps(5);
    private static final ObjectMapper JSON = new ObjectMapper();
    private static VqDiffusionPipeline pipeline;

    @TempDir
    Path tmp;

    @BeforeAll
    static void load() {
        pipeline = VqDiffusionPipeline.load(SAMPLE, PipelineOptions.cpu());
    }

    @AfterAll
    static void close() {
        pipeline.close();
    }

    private static String refused(SamplingOptions options, ImageRequest... images) {
        int before = pipeline.liveArrays();
        String message = assertThrows(PipelineException.class, () -> pipeline.generate(options, List.of(images)))
                .getMessage();
        assertEquals(before, pipeline.liveArrays(), "a refused call leaves no arrays behind");
        return message;
    }

    private static long[] masked(int n) {
        long[] grid = new long[n];
        Arrays.fill(grid, pipeline.maskClass());
        return grid;
    }

    @Test
    void refusesAGpuThisEngineCannotSee() {
        // the test class path carries the CPU-only libtorch, which sees no GPU on any machine
        PipelineException e = assertThrows(PipelineException.class,
                () -> VqDiffusionPipeline.load(Path.of("sample-data/model"), new PipelineOptions("gpu:0", "float32")));
        assertTrue(e.getMessage().startsWith("device gpu(0) is not available: this JVM's PyTorch engine sees 0 GPU(s)"),
                e.getMessage());
    }

    @Test
    void refusesMoreStepsThanTrainingTimesteps() {
        assertEquals("steps 101 exceeds the model's num_train_timesteps 100",
                refused(OPTIONS.withSteps(101), ImageRequest.of("a boat", 1)));
    }

    @Test
    void refusesInitialTokensOfTheWrongLength() {
        assertEquals("initial tokens of image 1 must hold 256 values (16x16), got 255",
                refused(OPTIONS, new ImageRequest("a boat", 1, masked(256)), new ImageRequest("a boat", 2, masked(255))));
    }

    @Test
    void refusesInitialTokensOutsideTheClasses() {
        long[] above = masked(256);
        above[3] = 65;
        assertEquals("initial token 65 at image 0, position 3 is outside 0..64 (64 = mask)",
                refused(OPTIONS, new ImageRequest("a boat", 1, above)));
        long[] negative = masked(256);
        negative[255] = -1;
        assertEquals("initial token -1 at image 0, position 255 is outside 0..64 (64 = mask)",
                refused(OPTIONS, new ImageRequest("a boat", 1, negative)));
    }

    @Test
    void refusesAModelFolderWithoutAComponent() {
        Path model = copyOfSample();
        deleteTree(model.resolve("vqvae"));
        WeightsException e = assertThrows(WeightsException.class,
                () -> VqDiffusionPipeline.load(model, PipelineOptions.cpu()));
        assertEquals(model.toAbsolutePath().normalize().resolve("vqvae")
                + ": component folder 'vqvae' is missing (model_index.json lists it)", e.getMessage());
    }

    @Test
    void refusesComponentsThatDoNotFitTogether() throws IOException {
        Path model = copyOfSample();
        Path config = model.resolve("scheduler/scheduler_config.json");
        ObjectNode scheduler = (ObjectNode) JSON.readTree(config.toFile());
        scheduler.put("num_vec_classes", 66);
        scheduler.put("num_train_timesteps", 200);
        JSON.writeValue(config.toFile(), scheduler);
        PipelineException e = assertThrows(PipelineException.class,
                () -> VqDiffusionPipeline.load(model, PipelineOptions.cpu()));
        assertEquals(model.toAbsolutePath().normalize() + ": components do not fit together: scheduler num_vec_classes "
                + "66 != transformer num_vector_embeds 65; transformer num_embeds_ada_norm 100 < scheduler "
                + "num_train_timesteps 200", e.getMessage());
    }

    /** Learned embeddings that cannot be mixed with the prompt's states are refused at load, not at the first call. */
    @Test
    void refusesLearnedEmbeddingsOfAnotherLength() throws IOException {
        Path model = copyOfSample();
        Path config = model.resolve("learned_classifier_free_sampling_embeddings/config.json");
        ObjectNode cf = (ObjectNode) JSON.readTree(config.toFile());
        cf.put("length", 76);
        JSON.writeValue(config.toFile(), cf);
        PipelineException e = assertThrows(PipelineException.class,
                () -> VqDiffusionPipeline.load(model, PipelineOptions.cpu()));
        assertEquals(config.toAbsolutePath().normalize() + ": the learned embeddings are [length 76, hidden_size 64], "
                + "but guidance mixes them with the text encoder's states of [the tokenizer's 77 tokens, hidden size 64]",
                e.getMessage());
    }

    /** diffusers' LearnedClassifierFreeSamplingEmbeddings has no default for learnable: the key must be there. */
    @Test
    void refusesLearnedEmbeddingsConfigWithoutLearnable() throws IOException {
        Path model = copyOfSample();
        Path config = model.resolve("learned_classifier_free_sampling_embeddings/config.json");
        ObjectNode cf = (ObjectNode) JSON.readTree(config.toFile());
        cf.remove("learnable");
        JSON.writeValue(config.toFile(), cf);
        WeightsException e = assertThrows(WeightsException.class,
                () -> VqDiffusionPipeline.load(model, PipelineOptions.cpu()));
        assertEquals(config.toAbsolutePath().normalize() + ": missing key 'learnable' (expected true or false; "
                + "LearnedClassifierFreeSamplingEmbeddings has no default for it)", e.getMessage());
    }

    /** A scheduler config with only num_vec_classes loads with diffusers' defaults (100 training steps). */
    @Test
    void schedulerConfigTakesDiffusersDefaults() throws IOException {
        Path model = copyOfSample();
        Path config = model.resolve("scheduler/scheduler_config.json");
        ObjectNode scheduler = JSON.createObjectNode();
        scheduler.put("num_vec_classes", JSON.readTree(config.toFile()).get("num_vec_classes").asInt());
        JSON.writeValue(config.toFile(), scheduler);
        try (VqDiffusionPipeline defaults = VqDiffusionPipeline.load(model, PipelineOptions.cpu())) {
            assertEquals(100, defaults.numTrainTimesteps());
        }
    }

    @Test
    void withoutLearnedEmbeddingsGuidanceUsesTheEmptyPromptAndSaysSo() {
        Path model = copyOfSample();
        deleteTree(model.resolve("learned_classifier_free_sampling_embeddings"));
        try (LogCapture log = LogCapture.of(VqDiffusionPipeline.class);
             VqDiffusionPipeline fallback = VqDiffusionPipeline.load(model, PipelineOptions.cpu())) {
            String warning = "WARN " + model.toAbsolutePath().normalize() + ": no learned_classifier_free_sampling_"
                    + "embeddings folder (as in the hub's fp16 branch of microsoft/vq-diffusion-ithq); classifier-free "
                    + "guidance will use the text encoder on the empty prompt instead of learned embeddings";
            assertTrue(log.messages().contains(warning), log.messages().toString());
            List<ImageRequest> request = List.of(ImageRequest.of("a boat", 3));
            GeneratedImage image = fallback.generate(OPTIONS, request).get(0);
            assertTrue(Arrays.stream(image.tokens()).allMatch(t -> t >= 0 && t < fallback.maskClass()));
            assertEquals(32 * 32 * 3, image.rgb().length);
            GeneratedImage learned = pipeline.generate(OPTIONS, request).get(0);
            assertTrue(!Arrays.equals(learned.tokens(), image.tokens()),
                    "the unconditional embeddings changed, so should the image");
        }
    }

    private Path copyOfSample() {
        Path target = tmp.resolve("model");
        try (Stream<Path> files = Files.walk(SAMPLE)) {
            for (Path f : (Iterable<Path>) files::iterator) {
                Path to = target.resolve(SAMPLE.relativize(f).toString());
                if (Files.isDirectory(f)) {
                    Files.createDirectories(to);
                } else {
                    Files.copy(f, to);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return target;
    }

    private static void deleteTree(Path dir) {
        try (Stream<Path> files = Files.walk(dir)) {
            for (Path f : files.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(f);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
