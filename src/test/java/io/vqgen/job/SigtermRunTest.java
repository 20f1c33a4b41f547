package io.vqgen.job;

import io.vqgen.ChildJvm;
import io.vqgen.cli.Main;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.IntStream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code vqgen run} told to stop mid-run (SIGTERM: a pod deleted, a scheduler's timeout, Ctrl-C's sibling), in a JVM of
 * its own: it exits non-zero without a stack trace on the console, records the run as {@code interrupted}, gives back
 * its lease, and a rerun completes the output with every image once.
 */
class SigtermRunTest {
    private static final int ROWS = 8;

    @TempDir
    Path tmp;

    @Test
    void aRunToldToStopRecordsItselfInterruptedGivesBackItsLeaseAndTheRerunCompletesIt() throws Exception {
        Path input = JobTestSupport.prompts(tmp.resolve("in/prompts.parquet"),
                IntStream.range(0, ROWS).mapToObj(i -> JobTestSupport.row("t" + i, "caption " + i)).toArray(String[]::new));
        Path model = JobTestSupport.model(tmp.resolve("model"));
        Path out = tmp.resolve("out");
        Path started = tmp.resolve("generating");
        // one image per batch, 4 commits of 2 rows, 1.5 s an image: the run is in its first commit when stopped
        Path jobFile = Files.write(tmp.resolve("job.properties"), List.of("input=" + input, "output=" + out,
                "model=" + model, "generator=" + FakeGeneratorFactory.class.getName(), "steps=5", "batch_size=1",
                "partitions=1", "rows_per_commit=2", "run_id=stopped", "spark.master=local[1]",
                "spark.ui.enabled=false"));
        Path stderr = tmp.resolve("stderr.txt");
        ChildJvm child = ChildJvm.start(List.of("-Dvqgen.log.file=" + tmp.resolve("cli.log"),
                        "-D" + FakeGenerator.SLOW_PROPERTY + "=1500", "-D" + FakeGenerator.STARTED_PROPERTY + "=" + started),
                Main.class.getName(), List.of("run", jobFile.toString()), tmp.resolve("stdout.txt"), stderr);
        child.await(c -> Files.exists(started), Duration.ofMinutes(3), "generation under way");
        assertTrue(Files.exists(out.resolve("runs/_lease.json")), "the running run holds the lease");

        child.terminate();
        int code = child.waitFor(Duration.ofMinutes(2));

        String console = Files.readString(stderr);
        assertNotEquals(0, code, "a run told to stop did not finish:\n" + console);
        assertFalse(console.contains("Exception\n") || console.contains("\tat ") || console.contains("NullPointer"),
                "no stack trace on the console:\n" + console);
        assertTrue(console.contains("told to stop") || console.contains("shutting down"), console);
        RunSummary summary = RunSummary.fromJson(Files.readString(out.resolve("runs/stopped.json")));
        assertEquals("interrupted", summary.status(), summary.toJson());
        assertTrue(Files.notExists(out.resolve("runs/_lease.json")), "the lease was given back");

        FakeGenerator.reset();
        RunSummary again = JobTestSupport.run(JobTestSupport.job(input, out, model, "run_id", "rerun"));
        assertEquals("succeeded", again.status(), again.toJson());
        Set<String> expected = OutputCheck.images("t", ROWS);
        OutputCheck.Found done = OutputCheck.verify(out.toUri().toString(), JobTestSupport.spark().sparkContext()
                .hadoopConfiguration(), expected, true);
        Map<String, Integer> byRun = OutputCheck.rowsByRun(done.rows());
        assertEquals(ROWS, byRun.values().stream().mapToInt(Integer::intValue).sum(), "each image once: " + byRun);
        assertEquals(ROWS - again.imagesOk(), (long) byRun.getOrDefault("stopped", 0), "what the stopped run committed stays");
        for (Row r : done.rows()) {
            assertEquals("ok", r.getAs("status"), r.toString());
        }
    }
}
