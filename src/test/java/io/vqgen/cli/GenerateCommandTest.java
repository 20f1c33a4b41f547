package io.vqgen.cli;

import io.vqgen.pipeline.GeneratedImage;
import io.vqgen.pipeline.ImageRequest;
import io.vqgen.pipeline.PipelineOptions;
import io.vqgen.pipeline.SamplingOptions;
import io.vqgen.pipeline.VqDiffusionPipeline;
import io.vqgen.weights.Npy;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code vqgen generate}, {@code bench} and {@code init-model} through Main on sample-data/model. */
class GenerateCommandTest {
    private static final String MODEL = "sample-data/model";
    private static final int TOKENS = 16 * 16;

    @TempDir
    Path tmp;

    private record Result(int code, String out, String err) {
    }

    private static Result run(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code = Main.run(new PrintWriter(out), new PrintWriter(err), args);
        return new Result(code, out.toString(), err.toString());
    }

    private static String[] generate(Path out, String... more) {
        List<String> args = new ArrayList<>(List.of("generate", "--model", MODEL, "--steps", "5", "--out", out.toString()));
        args.addAll(List.of(more));
        return args.toArray(String[]::new);
    }

    private static long[][] tokens(Path out) {
        Npy.Array array = Npy.read(out.resolve("tokens.npy"));
        long[] flat = array.toLongs();
        long[][] rows = new long[(int) array.shape()[0]][];
        for (int i = 0; i < rows.length; i++) {
            rows[i] = Arrays.copyOfRange(flat, i * (int) array.shape()[1], (i + 1) * (int) array.shape()[1]);
        }
        return rows;
    }

    @Test
    void writesOnePngPerImageAndTheTokenGridsAndImageIIsSeedNPlusI() throws IOException {
        Path out = tmp.resolve("batch");
        Result r = run(generate(out, "--prompt", "a red bus", "--prompt", "two cats", "--images-per-prompt", "2",
                "--seed", "10"));
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().startsWith("4 image(s) of 32x32 in "), r.out());

        Npy.Array array = Npy.read(out.resolve("tokens.npy"));
        assertArrayEquals(new long[] {4, TOKENS}, array.shape());
        assertTrue(Arrays.stream(array.toLongs()).allMatch(t -> t >= 0 && t < 64), "real classes only");
        for (int i = 0; i < 4; i++) {
            BufferedImage image = ImageIO.read(out.resolve(i + ".png").toFile());
            assertNotNull(image, i + ".png decodes");
            assertEquals(32, image.getWidth());
            assertEquals(32, image.getHeight());
        }
        assertFalse(Files.exists(out.resolve("4.png")));

        // image 3 is the second image of "two cats": seed 10 + 3, made again alone
        Path alone = tmp.resolve("alone");
        assertEquals(0, run(generate(alone, "--prompt", "two cats", "--seed", "13")).code());
        assertArrayEquals(tokens(out)[3], tokens(alone)[0]);
        assertArrayEquals(Files.readAllBytes(out.resolve("3.png")), Files.readAllBytes(alone.resolve("0.png")));
    }

    /**
     * diffusers starts from the given grid but does not pin its unmasked tokens: at every t > 0 the posterior may
     * move any token (mask-and-replace), so all that holds is that the run starts from that grid: the result is
     * what the pipeline makes from the same initial tokens, and not what it makes from an all-masked grid.
     */
    @Test
    void latentsAreTheStartingGrid() throws IOException {
        long[] grid = new long[TOKENS];
        for (int j = 0; j < TOKENS; j++) {
            grid[j] = j % 2 == 0 ? 64 : j % 64; // every other position masked, the others fixed classes
        }
        Path latents = tmp.resolve("latents.npy");
        try (OutputStream file = Files.newOutputStream(latents)) {
            Npy.writeLongs(file, grid, 1, TOKENS);
        }
        Path out = tmp.resolve("latents");
        Result r = run(generate(out, "--prompt", "a boat", "--seed", "5", "--latents", latents.toString()));
        assertEquals(0, r.code(), r.err());

        SamplingOptions options = SamplingOptions.defaults().withSteps(5);
        try (VqDiffusionPipeline pipeline = VqDiffusionPipeline.load(Path.of(MODEL), PipelineOptions.cpu())) {
            GeneratedImage fromGrid = pipeline.generate(options, List.of(new ImageRequest("a boat", 5, grid))).get(0);
            GeneratedImage fromMask = pipeline.generate(options, List.of(ImageRequest.of("a boat", 5))).get(0);
            long[] written = tokens(out)[0];
            assertArrayEquals(Arrays.stream(fromGrid.tokens()).asLongStream().toArray(), written);
            assertFalse(Arrays.equals(Arrays.stream(fromMask.tokens()).asLongStream().toArray(), written));
        }
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
            "--steps -1|--steps -1 is out of range (at least 1, at most the model's num_train_timesteps)",
            "--steps ten|--steps: 'ten' is not a whole number (at least 1, at most the model's num_train_timesteps)",
            "--truncation-rate 0|--truncation-rate 0.0 is out of range (in (0, 1])",
            "--truncation-rate 1.5|--truncation-rate 1.5 is out of range (in (0, 1])",
            "--noise gaussian|--noise: 'gaussian' is not per-image or reference",
            "--infer-speed 0|--infer-speed 0.0 is out of range (in (0, 10])",
            "--infer-speed 11|--infer-speed 11.0 is out of range (in (0, 10])",
            "--prior-rule 3|--prior-rule 3 is out of range (0, 1 or 2)",
            "--prior-weight -1|--prior-weight -1.0 is out of range (a finite number >= 0)",
            "--images-per-prompt 0|--images-per-prompt 0 is out of range (1..1024)",
            "--images-per-prompt 100000000|--images-per-prompt 100000000 is out of range (1..1024)",
            "--seed -3|--seed -3 is out of range (0..2^63-1)"})
    void badOptionIsOneLineAndExitCode2(String option, String message) {
        List<String> args = new ArrayList<>(List.of("generate", "--model", MODEL, "--prompt", "a boat", "--out",
                tmp.resolve("out").toString()));
        args.addAll(List.of(option.split(" ")));
        assertBadInput(message, run(args.toArray(String[]::new)));
    }

    /**
     * Many prompts times many images once meant a request object and a token row per image held in memory before the
     * first image (an OutOfMemoryError for 3,000 prompts x 1,024 images); now images are made and written batch by
     * batch. A JVM of its own with a small heap makes the first images of such a call, and is then stopped.
     */
    @Test
    void aCallOfMillionsOfImagesStreamsThemBatchByBatch() throws Exception {
        Path prompts = Files.write(tmp.resolve("prompts.txt"),
                java.util.stream.IntStream.range(0, 3000).mapToObj(i -> "prompt " + i).toList());
        Path out = tmp.resolve("many");
        io.vqgen.ChildJvm child = io.vqgen.ChildJvm.start(List.of("-Xmx200m"), Main.class.getName(),
                List.of(generate(out, "--prompts-file", prompts.toString(), "--images-per-prompt", "1024",
                        "--batch-size", "2")), tmp.resolve("child.log"), null);
        child.await(c -> Files.exists(out.resolve("3.png")), java.time.Duration.ofMinutes(3), "the first two batches");
        child.killHard();
        assertTrue(Files.size(out.resolve("0.png")) > 0);
        assertTrue(Files.notExists(out.resolve("tokens.npy")), "tokens.npy appears once every image is made");

        assertBadInput("--batch-size 0 makes all 2048 images in one call, which holds them all in memory at once; "
                + "give --batch-size N (e.g. 8) for more than 1024 images", run(generate(tmp.resolve("zero"), "--prompt",
                "a", "--prompt", "b", "--images-per-prompt", "1024")));
    }

    @Test
    void missingModelFolderIsOneLineAndExitCode2() {
        Path missing = tmp.resolve("no-model");
        Result r = run("generate", "--model", missing.toString(), "--prompt", "a boat", "--out", tmp.resolve("o").toString());
        assertBadInput(missing.toAbsolutePath().normalize() + ": model folder not found (expected a diffusers pipeline "
                + "folder with model_index.json)", r);
    }

    @Test
    void latentsOfTheWrongShapeAreOneLineAndExitCode2() throws IOException {
        Path twoImages = tmp.resolve("two.npy");
        try (OutputStream file = Files.newOutputStream(twoImages)) {
            Npy.writeLongs(file, new long[2 * TOKENS], 2, TOKENS);
        }
        assertBadInput(twoImages + ": expected an integer array [1 images, height*width], got shape [2, 256]",
                run(generate(tmp.resolve("o1"), "--prompt", "a boat", "--latents", twoImages.toString())));
        Path short1 = tmp.resolve("short.npy");
        try (OutputStream file = Files.newOutputStream(short1)) {
            Npy.writeLongs(file, new long[TOKENS - 1], 1, TOKENS - 1);
        }
        assertBadInput("--latents: expected 256 tokens per image (16x16), got 255",
                run(generate(tmp.resolve("o2"), "--prompt", "a boat", "--latents", short1.toString())));
        Path floats = tmp.resolve("floats.npy");
        try (OutputStream file = Files.newOutputStream(floats)) {
            Npy.writeFloats(file, new float[TOKENS], 1, TOKENS);
        }
        assertBadInput(floats + ": expected an integer array, got F32",
                run(generate(tmp.resolve("o3"), "--prompt", "a boat", "--latents", floats.toString())));
        long[] outOfRange = new long[TOKENS];
        outOfRange[7] = 65;
        Path range = tmp.resolve("range.npy");
        try (OutputStream file = Files.newOutputStream(range)) {
            Npy.writeLongs(file, outOfRange, 1, TOKENS);
        }
        assertBadInput("initial token 65 at image 0, position 7 is outside 0..64 (64 = mask)",
                run(generate(tmp.resolve("o4"), "--prompt", "a boat", "--latents", range.toString())));
    }

    private static void assertBadInput(String message, Result r) {
        assertEquals(2, r.code(), r.out() + r.err());
        assertEquals("vqgen generate: " + message, r.err().strip());
        assertEquals(1, r.err().strip().split("\n").length, r.err());
    }

    @Test
    void benchPrintsOneRowPerBatchSize() {
        Result r = run("bench", "--model", MODEL, "--steps", "2", "--runs", "1", "--batch-sizes", "1,2");
        assertEquals(0, r.code(), r.err());
        List<String> lines = r.out().strip().lines().toList();
        assertEquals(4, lines.size(), r.out());
        assertTrue(lines.get(0).startsWith("model " + MODEL + ", 16x16 tokens, device cpu float32"), lines.get(0));
        assertTrue(lines.get(1).startsWith("batch  text_s  calls  per_call_s"), lines.get(1));
        for (int b = 1; b <= 2; b++) {
            String[] cells = lines.get(1 + b).strip().split("\\s+");
            assertEquals(11, cells.length, lines.get(1 + b));
            assertEquals(String.valueOf(b), cells[0]);
            assertEquals("2", cells[2], "network calls = steps");
            assertEquals("-", cells[10], "no device memory column on the CPU");
        }
    }

    @Test
    void initModelExitCodes() {
        Path model = tmp.resolve("tiny");
        Result ok = run("init-model", "--preset", "tiny", "--seed", "3", "--out", model.toString());
        assertEquals(0, ok.code(), ok.err());
        assertEquals("wrote " + model.toAbsolutePath(), ok.out().strip());
        assertTrue(Files.isRegularFile(model.resolve("transformer/config.json")));

        Result again = run("init-model", "--preset", "tiny", "--out", model.toString());
        assertEquals(2, again.code());
        assertTrue(again.err().startsWith("vqgen init-model: " + model + ": already exists and is not an empty folder"),
                again.err());
        Result unknown = run("init-model", "--preset", "huge", "--out", tmp.resolve("h").toString());
        assertEquals(2, unknown.code());
        assertEquals("vqgen init-model: unknown preset 'huge' (expected tiny, bench, ithq, coco, cub or imagenet)", unknown.err().strip());
        Result noTokenizer = run("init-model", "--preset", "bench", "--out", tmp.resolve("b").toString());
        assertEquals(2, noTokenizer.code());
        assertTrue(noTokenizer.err().contains("needs a CLIP tokenizer folder"), noTokenizer.err());
        Result both = run("init-model", "--preset", "tiny", "--config", MODEL, "--out", tmp.resolve("c").toString());
        assertEquals(2, both.code());
        assertTrue(both.err().startsWith("vqgen init-model: Error: --preset=NAME, --config=DIR are mutually exclusive"),
                both.err());
    }
}
