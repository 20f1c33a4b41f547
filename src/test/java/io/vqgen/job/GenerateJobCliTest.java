package io.vqgen.job;

import io.vqgen.cli.Main;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code vqgen run JOBFILE [--set key=value …]} and the spark-submit main: exit codes and what they print. */
class GenerateJobCliTest {
    @TempDir
    Path tmp;
    Path jobFile;

    private record Result(int code, String out, String err) {
    }

    @BeforeEach
    void setUp() throws IOException {
        JobTestSupport.spark();
        FakeGenerator.reset();
        FakeGeneratorFactory.CREATED.set(0);
        GeneratorCache.closeAll();
        Path model = JobTestSupport.model(tmp.resolve("model"));
        Path input = JobTestSupport.prompts(tmp.resolve("prompts.parquet"),
                JobTestSupport.row("c1", "a cat"), JobTestSupport.row("c2", "a dog"));
        jobFile = Files.writeString(tmp.resolve("job.properties"), String.join("\n",
                "input=" + input, "output=" + tmp.resolve("unused"), "model=" + model, "steps=5",
                "generator=" + FakeGeneratorFactory.class.getName(), "spark.ui.enabled=false", ""));
    }

    private static Result main(String... args) {
        PrintStream out = System.out;
        PrintStream err = System.err;
        ByteArrayOutputStream o = new ByteArrayOutputStream();
        ByteArrayOutputStream e = new ByteArrayOutputStream();
        try {
            System.setOut(new PrintStream(o, true, StandardCharsets.UTF_8));
            System.setErr(new PrintStream(e, true, StandardCharsets.UTF_8));
            int code = Main.run(args);
            return new Result(code, o.toString(StandardCharsets.UTF_8), e.toString(StandardCharsets.UTF_8));
        } finally {
            System.setOut(out);
            System.setErr(err);
        }
    }

    @Test
    void runsAJobFileAndSaysWhereImagesAndManifestAre() throws IOException {
        Path output = tmp.resolve("out");
        Result r = main("run", jobFile.toString(), "--set", "output=" + output, "--set", "run_id=cli-run");

        assertEquals(0, r.code(), r.err());
        List<String> lines = r.out().lines().toList();
        assertEquals(4, lines.size(), r.out());
        assertTrue(lines.get(0).startsWith("run cli-run succeeded: 2 images ok, 0 error rows; 2 input rows"), lines.get(0));
        assertEquals("images:   file:" + output + "/images/", lines.get(1));
        assertEquals("manifest: file:" + output + "/manifest/   (this run: run_id=cli-run)", lines.get(2));
        assertEquals("summary:  file:" + output + "/runs/cli-run.json", lines.get(3));
        assertTrue(Files.isRegularFile(output.resolve("images/c1/0.png")));
        assertTrue(Files.isRegularFile(output.resolve("images/c2/0.png")));
        assertTrue(Files.isDirectory(output.resolve("manifest/run_id=cli-run")));
    }

    @Test
    void badJobFilesAndInputsExitWith2AndOneLine() {
        Path missing = tmp.resolve("missing.properties");
        assertEquals(new Result(2, "", "vqgen run: job file " + missing + ": not found\n"), main("run", missing.toString()));
        assertEquals(new Result(2, "", "vqgen run: job file " + jobFile + " with --set: steps: 'x' is not a whole number "
                        + "(at least 1, at most the model's num_train_timesteps)\n"),
                main("run", jobFile.toString(), "--set", "steps=x"));

        Result badColumn = main("run", jobFile.toString(), "--set", "prompt_column=text");
        assertEquals(2, badColumn.code());
        assertTrue(badColumn.err().startsWith("vqgen run: input ") && badColumn.err().contains("column 'text' not found"),
                badColumn.err());
        assertEquals(1, badColumn.err().lines().count(), "one line: " + badColumn.err());

        Result brokenModel = main("run", jobFile.toString(), "--set", "generator=" + BrokenModelFactory.class.getName(),
                "--set", "output=" + tmp.resolve("broken"));
        assertEquals(2, brokenModel.code());
        assertTrue(brokenModel.err().startsWith("vqgen run: model ") && brokenModel.err().contains("could not be loaded"),
                brokenModel.err());
    }

    @Test
    void aRunThatFailsExitsWith1() {
        FakeGenerator.CRASH_AFTER.set(0);
        Result r = main("run", jobFile.toString(), "--set", "output=" + tmp.resolve("crash"), "--set", "run_id=crash");
        assertEquals(1, r.code());
        assertTrue(r.err().contains("vqgen run: run crash failed: SimulatedCrash: simulated executor crash"), r.err());
    }

    @Test
    void aDryRunChecksEverythingPrintsThePlanAndWritesNothing() throws IOException {
        Path output = tmp.resolve("dry");
        Path input = JobTestSupport.prompts(tmp.resolve("dry.parquet"), JobTestSupport.row("d1", "a cat"),
                "{\"id\": \"d2\", \"prompt\": \"two dogs\", \"num_images\": 3}", JobTestSupport.row("d3", ""));
        Result r = main("run", jobFile.toString(), "--dry-run", "--set", "input=" + input, "--conf", "output=" + output,
                "--set", "est_seconds_per_image=30", "--set", "partitions=2", "--set", "run_id=dry");
        assertEquals(0, r.code(), r.err());
        List<String> lines = r.out().lines().toList();
        assertEquals("dry run dry: every check passed; nothing was generated or written", lines.get(0));
        assertEquals("input:    " + input + " (3 rows: 0 already done, 3 to do, of which 1 will be error rows)",
                lines.get(1));
        assertTrue(lines.get(4).startsWith("images:   4 to make, 0 already made, in 1 commit(s), 2 task(s) at a time"),
                lines.get(4));
        assertEquals("estimate: 0:01:00 (4 images x 30 s / 2 tasks)", lines.get(5));
        assertTrue(Files.notExists(output), "nothing written");
        assertTrue(FakeGenerator.CALLS.isEmpty() && FakeGeneratorFactory.CREATED.get() == 0, "no model loaded");

        Result json = main("run", jobFile.toString(), "--dry-run", "--json", "--set", "input=" + input,
                "--set", "output=" + output);
        assertEquals(0, json.code(), json.err());
        com.fasterxml.jackson.databind.JsonNode plan = new com.fasterxml.jackson.databind.ObjectMapper().readTree(json.out());
        assertEquals(4, plan.get("images_to_make").asLong());
        assertEquals(1, plan.get("error_rows").asLong());
        assertTrue(plan.get("estimated_seconds").isNull());

        Result bad = main("run", jobFile.toString(), "--dry-run", "--set", "prompt_column=text");
        assertEquals(2, bad.code(), "a dry run fails as the run would: " + bad.err());
        Result jsonAlone = main("run", jobFile.toString(), "--json");
        assertEquals(2, jsonAlone.code());
    }

    @Test
    void theSparkSubmitMainTakesTheSameArguments() {
        PrintWriter sink = new PrintWriter(new StringWriter(), true);
        StringWriter err = new StringWriter();
        assertEquals(2, GenerateJob.run(new String[] {}, sink, new PrintWriter(err, true)));
        assertEquals("usage: GenerateJob JOBFILE [--set key=value ...] [--dry-run [--json]]\n", err.toString());
        assertEquals(0, GenerateJob.run(new String[] {jobFile.toString(), "--set", "output=" + tmp.resolve("submit")},
                sink, sink));
        assertTrue(Files.isRegularFile(tmp.resolve("submit/images/c1/0.png")));
    }
}
