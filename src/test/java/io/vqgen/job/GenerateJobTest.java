package io.vqgen.job;

import io.vqgen.pipeline.SamplingOptions;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

import static io.vqgen.job.JobTestSupport.job;
import static io.vqgen.job.JobTestSupport.manifest;
import static io.vqgen.job.JobTestSupport.okImages;
import static io.vqgen.job.JobTestSupport.prompts;
import static io.vqgen.job.JobTestSupport.row;
import static io.vqgen.job.JobTestSupport.run;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The generation job end to end on file:// with the test double generator (Spark local mode). */
class GenerateJobTest {
    @TempDir
    Path tmp;
    Path model;

    @BeforeEach
    void setUp() {
        model = JobTestSupport.model(tmp.resolve("model"));
        FakeGenerator.reset();
    }

    /** An expected good row: what the manifest must say about each of its images. */
    private record Expected(String id, String prompt, long baseSeed, int images, SamplingOptions sampling) {
    }

    @Test
    void generatesEveryGoodRowAndReportsEveryBadOne() throws IOException {
        Path input = tmp.resolve("in");
        // Two files: input order is a.parquet then b.parquet, whatever order Spark reads them in.
        prompts(input.resolve("a.parquet"),
                row("a1", "a red bus on a street"),
                "{\"id\": \"a2\", \"prompt\": \"two cats\", \"seed\": 1234, \"num_images\": 2}",
                "{\"id\": \"a3\", \"prompt\": \"a bowl of fruit\", \"guidance_scale\": 3.0, \"truncation_rate\": 0.8, \"steps\": 7}",
                row("a/4 é", "ids with odd characters are made safe for paths"),
                "{\"id\": \"a5\", \"prompt\": \"[oom] needs a batch of one\", \"num_images\": 3}",
                row("a6", "[fail] never works"),
                "{\"id\": \"b1\", \"prompt\": null}",
                row("b2", ""),
                "{\"id\": null, \"prompt\": \"no id\"}");
        prompts(input.resolve("b.parquet"),
                row("a1", "a duplicate of the first row"),
                "{\"id\": \"b3\", \"prompt\": \"too much truncation\", \"truncation_rate\": 1.5}",
                "{\"id\": \"b4\", \"prompt\": \"no images\", \"num_images\": 0}",
                "{\"id\": \"b5\", \"prompt\": \"negative seed\", \"seed\": -1}",
                "{\"id\": \"b6\", \"prompt\": \"too many steps\", \"steps\": 1000}",
                "{\"id\": \"b7\", \"prompt\": \"bad purity rule\", \"prior_rule\": 3}",
                row("c1", "a lighthouse on a rocky coast"),
                row("c1", "a later duplicate in the same file"));
        Path out = tmp.resolve("out");
        JobConfig job = job(input, out, model, "inline_images", "true", "run_seed", "77", "partitions", "2");

        RunSummary summary = run(job);

        SamplingOptions base = job.sampling();
        List<Expected> expected = List.of(
                new Expected("a1", "a red bus on a street", Seeds.derivedBase(77, "a1"), 1, base),
                new Expected("a2", "two cats", 1234, 2, base),
                new Expected("a3", "a bowl of fruit", Seeds.derivedBase(77, "a3"), 1,
                        base.withGuidanceScale(3.0).withTruncationRate(0.8).withSteps(7)),
                new Expected("a/4 é", "ids with odd characters are made safe for paths", Seeds.derivedBase(77, "a/4 é"), 1, base),
                new Expected("a5", "[oom] needs a batch of one", Seeds.derivedBase(77, "a5"), 3, base),
                new Expected("c1", "a lighthouse on a rocky coast", Seeds.derivedBase(77, "c1"), 1, base));
        Dataset<Row> table = JobTestSupport.spark().read().parquet(out + "/manifest");
        assertEquals(List.of("id string", "image_index int", "prompt string", "seed bigint", "tokens array<int>",
                        "token_height int", "token_width int", "image_uri string", "file_name string",
                        "shard_member string", "shard_offset bigint", "image_bytes int", "width int", "height int",
                        "model string", "model_fingerprint string", "sampler string", "steps int",
                        "guidance_scale double", "truncation_rate double", "noise string", "infer_speed double",
                        "prior_rule int", "prior_weight double", "status string", "error string", "elapsed_ms bigint",
                        "task_attempt bigint", "created_at timestamp", "image struct<bytes:binary,path:string>", "run_id string"),
                Arrays.stream(table.schema().fields()).map(f -> f.name() + " " + f.dataType().simpleString()).toList());
        List<Row> rows = table.collectAsList();
        Map<String, Row> ok = okImages(rows);
        assertEquals(expected.stream().mapToInt(Expected::images).sum(), ok.size(), "ok rows: " + ok.keySet());
        String modelPath = model.toAbsolutePath().normalize().toString();
        for (Expected e : expected) {
            for (int i = 0; i < e.images(); i++) {
                Row r = ok.get(e.id() + "#" + i);
                assertNotNull(r, "no ok row for " + e.id() + " image " + i);
                long seed = e.baseSeed() + i;
                int[] tokens = FakeGenerator.tokens(e.prompt(), seed, e.sampling());
                assertEquals(e.prompt(), r.getAs("prompt"));
                assertEquals(seed, (long) r.getAs("seed"));
                assertArrayEquals(tokens, r.getList(r.fieldIndex("tokens")).stream().mapToInt(x -> (Integer) x).toArray());
                assertEquals(FakeGenerator.TOKEN_HEIGHT, (int) r.getAs("token_height"));
                assertEquals(FakeGenerator.TOKEN_WIDTH, (int) r.getAs("token_width"));
                String uri = r.getAs("image_uri");
                assertEquals("file:" + out + "/images/" + SafeIds.encode(e.id()) + "/" + i + ".png", uri);
                assertEquals("images/" + SafeIds.encode(e.id()) + "/" + i + ".png", r.getAs("file_name"));
                assertNull(r.getAs("shard_member"));
                byte[] png = read(uri);
                assertEquals(png.length, (int) r.getAs("image_bytes"));
                Row inline = r.getAs("image");
                assertArrayEquals(png, (byte[]) inline.getAs("bytes"), "inline image = stored image");
                assertEquals((String) r.getAs("file_name"), inline.getAs("path"));
                assertPixels(tokens, png);
                assertEquals(16, (int) r.getAs("width"));
                assertEquals(12, (int) r.getAs("height"));
                assertEquals(modelPath, r.getAs("model"));
                assertEquals(io.vqgen.pipeline.ModelIdentity.of(model).fingerprint(), r.getAs("model_fingerprint"));
                assertEquals(new FakeGenerator("/nonexistent").samplerName(e.sampling()), r.getAs("sampler"),
                        "the sampler label is what the generator names");
                assertEquals(e.sampling().inferSpeed(), (double) r.getAs("infer_speed"));
                assertEquals(e.sampling().priorRule(), (int) r.getAs("prior_rule"));
                assertEquals(e.sampling().priorWeight(), (double) r.getAs("prior_weight"));
                assertEquals(e.sampling().steps(), (int) r.getAs("steps"));
                assertEquals(e.sampling().guidanceScale(), (double) r.getAs("guidance_scale"));
                assertEquals(e.sampling().truncationRate(), (double) r.getAs("truncation_rate"));
                assertEquals("per-image", r.getAs("noise"));
                assertNull(r.getAs("error"));
                assertTrue((long) r.getAs("elapsed_ms") >= 0);
                assertEquals(job.runId(), r.getAs("run_id"));
            }
        }

        Map<String, String> errors = new HashMap<>();
        for (Row r : rows) {
            if ("error".equals(r.getAs("status"))) {
                assertNull(errors.put(r.getAs("id") + "#" + r.getAs("image_index"), r.getAs("error")),
                        "one error row per bad row");
            }
        }
        assertEquals(11, errors.size(), errors.toString());
        assertTrue(errors.get("a6#0").contains("simulated failure"), errors.get("a6#0"));
        assertEquals("prompt is null", errors.get("b1#null"));
        assertEquals("prompt is empty", errors.get("b2#null"));
        assertEquals("id is null", errors.get("null#null"));
        assertTrue(errors.get("a1#null").startsWith("duplicate id 'a1': only its first row in input order (")
                && errors.get("a1#null").contains("a.parquet row 0"), errors.get("a1#null"));
        assertTrue(errors.get("c1#null").contains("b.parquet row 6"), errors.get("c1#null"));
        assertEquals("truncation_rate 1.5 is out of range (in (0, 1])", errors.get("b3#null"));
        assertEquals("num_images 0 is out of range (1..1024)", errors.get("b4#null"));
        assertTrue(errors.get("b5#null").startsWith("seed -1 is out of range (0.."), errors.get("b5#null"));
        assertEquals("steps 1000 is out of range (1..100, the model's num_train_timesteps)", errors.get("b6#null"));
        assertEquals("prior_rule 3 is out of range (0, 1 or 2)", errors.get("b7#null"));
        Row failed = rows.stream().filter(r -> "a6".equals(r.getAs("id"))).findFirst().orElseThrow();
        assertEquals(Seeds.derivedBase(77, "a6"), (long) failed.getAs("seed"), "a generation error keeps its seed");
        assertNull(failed.getAs("image_uri"));

        assertTrue(summary.succeeded());
        assertEquals(17, summary.inputRows());
        assertEquals(ok.size(), summary.imagesOk());
        assertEquals(errors.size(), summary.errorRows());
        assertEquals(0, summary.rowsAlreadyDone());
        RunSummary written = RunSummary.fromJson(Files.readString(out.resolve("runs/" + job.runId() + ".json")));
        assertEquals(summary.imagesOk(), written.imagesOk());
        assertEquals(summary.errorRows(), written.errorRows());
        assertEquals("77", written.settings().get("run_seed"));
    }

    private static void assertPixels(int[] tokens, byte[] png) throws IOException {
        BufferedImage img = ImageIO.read(new ByteArrayInputStream(png));
        assertNotNull(img, "decodable PNG");
        assertEquals(16, img.getWidth());
        assertEquals(12, img.getHeight());
        for (int y = 0; y < img.getHeight(); y++) {
            for (int x = 0; x < img.getWidth(); x++) {
                int token = tokens[(y / FakeGenerator.SCALE) * FakeGenerator.TOKEN_WIDTH + x / FakeGenerator.SCALE];
                assertEquals(FakeGenerator.rgbOf(token), img.getRGB(x, y) & 0xffffff, "pixel " + x + "," + y);
            }
        }
    }

    private Path twelvePrompts() {
        List<String> lines = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            lines.add(row("p" + i, "prompt number " + i));
        }
        lines.add("{\"id\": \"multi\", \"prompt\": \"three images\", \"num_images\": 3}");
        lines.add("{\"id\": \"oom\", \"prompt\": \"[oom] two images\", \"num_images\": 2}");
        return prompts(tmp.resolve("in/prompts.parquet"), lines.toArray(String[]::new));
    }

    /**
     * Rows with different per-row options never share a batch: the job groups images by their options before
     * batching, so reference noise (one random stream per call) works with overrides, and no batch fails and is
     * split.
     */
    @Test
    void imagesAreBatchedByTheirOptionsSoReferenceNoiseTakesPerRowOverrides() throws IOException {
        Path input = tmp.resolve("in.parquet");
        prompts(input,
                row("p1", "a red bus"),
                "{\"id\": \"p2\", \"prompt\": \"a cat\", \"steps\": 7}",
                row("p3", "a green bus"),
                "{\"id\": \"p4\", \"prompt\": \"a dog\", \"steps\": 7, \"num_images\": 2}",
                "{\"id\": \"p5\", \"prompt\": \"a bird\", \"guidance_scale\": 2.0}",
                row("p6", "a blue bus"));
        Path out = tmp.resolve("out");
        try (io.vqgen.LogCapture log = io.vqgen.LogCapture.of(BatchRunner.class)) {
            RunSummary summary = run(job(input, out, model, "noise", "reference", "partitions", "1", "batch_size", "3"));
            assertEquals(7, summary.imagesOk());
            assertEquals(List.of(), log.messages(), "no batch failed");
        }
        assertEquals(List.of(3, 3, 1), List.copyOf(FakeGenerator.CALLS),
                "[p1 p3 p6] at the job's options, [p2 p4 p4] at 7 steps, then [p5] when the input ends");
    }

    @Test
    void sameImagesForAnyPartitioningAndBatchSizeWithOneGeneratorPerJvm() throws IOException {
        Path input = twelvePrompts();
        Path outA = tmp.resolve("a");
        Path outB = tmp.resolve("b");
        run(job(input, outA, model, "partitions", "1", "batch_size", "1"));

        GeneratorCache.closeAll();
        FakeGeneratorFactory.CREATED.set(0);
        FakeGenerator.CALLS.clear();
        RunSummary b = run(job(input, outB, model, "partitions", "3", "batch_size", "5", "rows_per_commit", "4"));

        assertEquals(1, FakeGeneratorFactory.CREATED.get(), "one generator for every task of the JVM");
        assertTrue(b.commits() >= 3, "several commits, so several tasks per partition index: " + b.commits());
        assertTrue(FakeGenerator.CALLS.stream().allMatch(n -> n <= 5), "batches of at most 5: " + FakeGenerator.CALLS);
        Map<String, Row> a = okImages(manifest(outA.toString()));
        Map<String, Row> bRows = okImages(manifest(outB.toString()));
        assertEquals(15, a.size());
        assertEquals(a.keySet(), bRows.keySet());
        for (String key : a.keySet()) {
            Row ra = a.get(key);
            Row rb = bRows.get(key);
            assertEquals((long) ra.getAs("seed"), (long) rb.getAs("seed"), key);
            assertEquals(ra.getList(ra.fieldIndex("tokens")), rb.getList(rb.fieldIndex("tokens")), key);
            assertArrayEquals(read(ra.getAs("image_uri")), read(rb.getAs("image_uri")), key);
        }
    }

    private static byte[] read(String fileUri) throws IOException {
        return Files.readAllBytes(Path.of(URI.create(fileUri)));
    }

    @Test
    void resumesAfterARunThatDiedPartWay() {
        List<String> lines = IntStream.range(0, 20).mapToObj(i -> row("r" + i, "caption " + i)).toList();
        Path input = prompts(tmp.resolve("in/prompts.parquet"), lines.toArray(String[]::new));
        Path out = tmp.resolve("out");
        String[] settings = {"partitions", "1", "batch_size", "2", "rows_per_commit", "5"};

        // The last batch of the last commit kills its task (and its retry): earlier commits are kept.
        FakeGenerator.CRASH_AFTER.set(19);
        JobConfig first = job(input, out, model, settings);
        assertThrows(Exception.class, () -> run(first));
        Map<String, Row> afterCrash = okImages(manifest(out.toString()));
        assertTrue(afterCrash.size() > 0 && afterCrash.size() < 20, "part of the work was committed: " + afterCrash.size());
        RunSummary failed = summaryOf(out, first.runId());
        assertEquals("failed", failed.status());
        assertTrue(failed.error().contains("simulated executor crash"), failed.error());
        assertEquals(afterCrash.size(), failed.imagesOk());

        FakeGenerator.reset();
        JobConfig second = job(input, out, model, settings);
        RunSummary resumed = run(second);
        assertEquals(afterCrash.size(), resumed.rowsAlreadyDone());
        assertEquals(20 - afterCrash.size(), resumed.imagesOk());
        assertEquals(20 - afterCrash.size(), FakeGenerator.CALLS.stream().mapToInt(Integer::intValue).sum(),
                "only the missing images were generated");
        Map<String, Row> all = okImages(manifest(out.toString()));
        assertEquals(IntStream.range(0, 20).mapToObj(i -> "r" + i + "#0").collect(Collectors.toSet()), all.keySet());
        Set<String> runs = all.values().stream().map(r -> (String) r.getAs("run_id")).collect(Collectors.toSet());
        assertEquals(Set.of(first.runId(), second.runId()), runs);

        RunSummary nothingLeft = run(job(input, out, model, settings));
        assertEquals(20, nothingLeft.rowsAlreadyDone());
        assertEquals(0, nothingLeft.rowsPlanned());
        assertEquals(20, okImages(manifest(out.toString())).size());
    }

    @Test
    void aRetriedTaskRewritesItsImagesAndCommitsItsRowsOnce() {
        List<String> lines = IntStream.range(0, 8).mapToObj(i -> row("t" + i, "caption " + i)).toList();
        Path input = prompts(tmp.resolve("in/prompts.parquet"), lines.toArray(String[]::new));
        Path out = tmp.resolve("out");
        // The first attempt stores 4 images, then dies; Spark runs the task again, which succeeds.
        FakeGenerator.CRASH_AFTER.set(4);
        FakeGenerator.crashOnce = true;
        RunSummary s = run(job(input, out, model, "partitions", "1", "batch_size", "2"));
        assertEquals(8, s.imagesOk());
        assertEquals(8 + 4 + 2, FakeGenerator.CALLS.stream().mapToInt(Integer::intValue).sum(),
                "attempt 1 made 4 images and died on the next batch of 2; attempt 2 made all 8");
        List<Row> rows = manifest(out.toString());
        assertEquals(8, rows.size(), "no manifest row from the failed attempt");
        assertEquals(8, okImages(rows).size());
    }

    private static RunSummary summaryOf(Path out, String runId) {
        try {
            return RunSummary.fromJson(Files.readString(out.resolve("runs/" + runId + ".json")));
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }

    @Test
    void badJobInputsFailBeforeAnyGeneration() throws IOException {
        Path input = prompts(tmp.resolve("in/prompts.parquet"), row("x", "a prompt"));
        Path out = tmp.resolve("out");

        assertFails("input " + input + ": column 'caption' not found (columns: id string, prompt string);"
                + " set prompt_column to the column that holds the prompts", job(input, out, model, "prompt_column", "caption"));

        Path doubleIds = tmp.resolve("double-ids");
        JobTestSupport.spark().sql("select cast(1.5 as double) as id, 'p' as prompt").write().parquet(doubleIds.toString());
        assertFails("input " + doubleIds + ": column 'id' has type double, expected string (or an integer type)",
                job(doubleIds, out, model));

        Path stringSeeds = tmp.resolve("string-seeds");
        JobTestSupport.spark().sql("select 'a' as id, 'p' as prompt, 'seven' as seed").write().parquet(stringSeeds.toString());
        assertFails("input " + stringSeeds + ": column 'seed' has type string, expected an integer type"
                + " (tinyint, smallint, int or bigint)", job(stringSeeds, out, model));

        Path intPrompts = tmp.resolve("int-prompts");
        JobTestSupport.spark().sql("select 'a' as id, 3 as prompt").write().parquet(intPrompts.toString());
        assertFails("input " + intPrompts + ": column 'prompt' has type int, expected string", job(intPrompts, out, model));

        Path missing = tmp.resolve("no-such-table");
        assertFailsStartingWith("input " + missing + ": cannot read a Parquet table there (", job(missing, out, model));
        String message = assertThrows(JobException.class, () -> run(job(missing, out, model))).getMessage();
        assertTrue(message.contains("PATH_NOT_FOUND"), message);

        Path text = Files.writeString(tmp.resolve("notes.parquet"), "not parquet");
        assertFailsStartingWith("input " + text + ": cannot read a Parquet table there (", job(text, out, model));

        Path noModel = tmp.resolve("no-model");
        assertFailsStartingWith("model: " + noModel + ": model folder not found", job(input, out, noModel));
        Path noIndex = Files.createDirectories(tmp.resolve("no-index"));
        assertFailsStartingWith("model: " + noIndex.resolve("model_index.json") + ": missing", job(input, out, noIndex));

        Path aFile = Files.writeString(tmp.resolve("a-file"), "x");
        assertFailsStartingWith("output " + aFile.resolve("out") + ": cannot write there (", job(input, aFile.resolve("out"), model));

        assertFails("steps: 500 exceeds the model's num_train_timesteps (100)", job(input, out, model, "steps", "500"));
        assertTrue(FakeGenerator.CALLS.isEmpty(), "nothing was generated");
    }

    @Test
    void aModelThatCannotBeLoadedFailsTheRunNamingTheModel() {
        Path input = prompts(tmp.resolve("in/prompts.parquet"), row("x", "a prompt"));
        JobConfig broken = job(input, tmp.resolve("out"), model, "generator", BrokenModelFactory.class.getName());
        Exception e = assertThrows(Exception.class, () -> run(broken));
        JobException cause = JobRunner.jobException(e);
        assertNotNull(cause, "a JobException inside " + e);
        assertEquals("model " + model.toAbsolutePath().normalize() + " could not be loaded on cpu (float32): "
                + model.toAbsolutePath().normalize().resolve("transformer") + ": no weights file found", cause.getMessage());
    }

    private static void assertFails(String message, JobConfig job) {
        assertEquals(message, assertThrows(JobException.class, () -> run(job)).getMessage());
    }

    private static void assertFailsStartingWith(String prefix, JobConfig job) {
        String message = assertThrows(JobException.class, () -> run(job)).getMessage();
        assertTrue(message.startsWith(prefix), message);
        assertFalse(message.contains("\n"), "one line: " + message);
    }
}
