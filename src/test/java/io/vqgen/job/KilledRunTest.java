package io.vqgen.job;

import io.vqgen.ChildJvm;
import io.vqgen.FaultyLocalFileSystem;
import org.apache.hadoop.conf.Configuration;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.IntStream;

import static io.vqgen.FaultyLocalFileSystem.GATE_DIR;
import static io.vqgen.FaultyLocalFileSystem.GATE_RENAME;
import static io.vqgen.FaultyLocalFileSystem.GATE_RENAME_SKIP;
import static io.vqgen.FaultyLocalFileSystem.GATE_WRITE;
import static io.vqgen.FaultyLocalFileSystem.GATE_WRITE_AFTER;
import static io.vqgen.FaultyLocalFileSystem.GATE_WRITE_SKIP;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A local run (Spark in local mode: driver and executor in one JVM) killed with SIGKILL mid-PNG-write and
 * mid-commit, in a JVM of its own, then run again in this JVM: what the kill leaves is never a partial PNG at a
 * visible name, never a manifest row without its image, and the rerun completes the output with every image once.
 * The kill lands where it should through a gate in the output's file system ({@link FaultyLocalFileSystem}): the
 * child stops there, says so, and is killed while it waits.
 */
class KilledRunTest {
    private static final int ROWS = 6;
    private static final Set<String> EXPECTED = OutputCheck.images("k", ROWS);

    @TempDir
    static Path tmp;
    private static Path input;
    private static Path model;
    private static Killed midPngWrite;
    private static Killed midCommit;

    /** A child JVM running the job into {@code out}, to be killed at its gate. */
    private record Killed(ChildJvm child, Path out, Path gate) {
        void killAtGate() throws Exception {
            Path waiting = gate.resolve("waiting-" + child.pid());
            child.await(c -> Files.exists(waiting), Duration.ofMinutes(3), "a thread at the gate");
            assertEquals(137, child.killHard(), "killed by SIGKILL");
        }

        String output() {
            return FaultyLocalFileSystem.uri(out);
        }
    }

    /** Both child JVMs start at once: most of their time is Spark starting and planning, which overlaps. */
    @BeforeAll
    static void startRunsToKill() throws Exception {
        FaultyLocalFileSystem.settings().forEach(JobTestSupport.spark().sparkContext().hadoopConfiguration()::set);
        input = JobTestSupport.prompts(tmp.resolve("in/prompts.parquet"),
                IntStream.range(0, ROWS).mapToObj(i -> JobTestSupport.row("k" + i, "caption " + i)).toArray(String[]::new));
        model = JobTestSupport.model(tmp.resolve("model"));
        // commits of about 2 rows, images stored one by one: the 5th PNG stops after 60 of its bytes are on disk
        midPngWrite = start("png", Map.of(GATE_WRITE, "/\\.partial/.+\\.png$", GATE_WRITE_SKIP, "4",
                GATE_WRITE_AFTER, "60"), "partitions", "1", "rows_per_commit", "2");
        // one commit of two tasks: the job commit moves their manifest files into place one by one; it stops
        // before the second
        midCommit = start("commit", Map.of(GATE_RENAME, "/manifest/run_id=killed/part-", GATE_RENAME_SKIP, "1"),
                "partitions", "2");
    }

    @BeforeEach
    void setUp() {
        FakeGenerator.reset();
    }

    @Test
    void aRunKilledMidPngWriteLeavesNoPartialImageAndTheRerunCompletesIt() throws Exception {
        midPngWrite.killAtGate();

        OutputCheck.Found left = OutputCheck.verify(midPngWrite.output(), conf(), EXPECTED, false);
        assertTrue(left.ok().size() > 0 && left.ok().size() < ROWS, "the finished commits stay: " + left.ok().keySet());
        assertEquals(1, left.staged().size(), "the killed write's bytes are in the staging folder only: " + left.staged());
        assertTrue(left.staged().get(0).contains("/.partial/killed/"), left.staged().toString());
        assertEquals(60, Files.size(Path.of(java.net.URI.create(left.staged().get(0)).getPath())),
                "the child was killed mid-write");

        rerunAndCheck(midPngWrite, left);
    }

    @Test
    void aRunKilledMidCommitKeepsWhatItPublishedAndTheRerunCompletesTheRest() throws Exception {
        midCommit.killAtGate();

        OutputCheck.Found left = OutputCheck.verify(midCommit.output(), conf(), EXPECTED, false);
        assertTrue(left.ok().size() > 0 && left.ok().size() < ROWS,
                "one task's manifest file was published, the other's not: " + left.ok().keySet());
        assertEquals(ROWS, left.imageFiles().size(), "both tasks had stored their images: " + left.imageFiles());
        assertTrue(Files.isDirectory(midCommit.out().resolve("manifest/run_id=killed/_temporary")),
                "the other task's manifest file is still in Spark's _temporary folder, which readers skip");

        rerunAndCheck(midCommit, left);
        assertTrue(Files.notExists(midCommit.out().resolve("manifest/run_id=killed/_temporary")),
                "the rerun deleted the killed run's uncommitted manifest files");
    }

    /** Starts the job in a child JVM with a gate in its output's file system. */
    private static Killed start(String name, Map<String, String> gate, String... settings) throws Exception {
        Path dir = Files.createDirectories(tmp.resolve(name));
        Path out = dir.resolve("out");
        Path gateDir = dir.resolve("gate");
        List<String> lines = new ArrayList<>(List.of("input=" + input, "output=" + FaultyLocalFileSystem.uri(out),
                "model=" + model, "generator=" + FakeGeneratorFactory.class.getName(), "steps=10", "batch_size=1",
                "run_id=killed", "spark.master=local[2]", "spark.ui.enabled=false",
                "spark.ui.showConsoleProgress=false", "spark.hadoop." + GATE_DIR + "=" + gateDir));
        FaultyLocalFileSystem.settings().forEach((k, v) -> lines.add("spark.hadoop." + k + "=" + v));
        gate.forEach((k, v) -> lines.add("spark.hadoop." + k + "=" + v.replace("\\", "\\\\"))); // .properties escapes
        for (int i = 0; i < settings.length; i += 2) {
            lines.add(settings[i] + "=" + settings[i + 1]);
        }
        Path jobFile = Files.write(dir.resolve("job.properties"), lines);
        ChildJvm child = ChildJvm.start(GenerateJob.class.getName(), List.of(jobFile.toString()), dir.resolve("child.log"));
        return new Killed(child, out, gateDir);
    }

    private static void rerunAndCheck(Killed killed, OutputCheck.Found left) throws Exception {
        RunSummary again = JobTestSupport.run(JobTestSupport.job(input, killed.output(), model, "spark.hadoop.fs."
                + FaultyLocalFileSystem.SCHEME + ".impl", FaultyLocalFileSystem.class.getName()));
        assertEquals("succeeded", again.status());
        assertEquals(left.ok().size(), again.rowsAlreadyDone(), "the rerun kept what the killed run committed");
        assertEquals(ROWS - left.ok().size(), again.imagesOk());
        OutputCheck.Found done = OutputCheck.verify(killed.output(), conf(), EXPECTED, true);
        Map<String, Integer> byRun = OutputCheck.rowsByRun(done.rows());
        assertEquals(Map.of("killed", left.ok().size(), again.runId(), ROWS - left.ok().size()), byRun,
                "no row of the killed run's uncommitted work, none twice");
        for (Row r : done.rows()) {
            assertEquals("ok", r.getAs("status"), r.toString());
        }
    }

    private static Configuration conf() {
        Configuration conf = new Configuration(JobTestSupport.spark().sparkContext().hadoopConfiguration());
        new LinkedHashMap<>(FaultyLocalFileSystem.settings()).forEach(conf::set);
        return conf;
    }
}
