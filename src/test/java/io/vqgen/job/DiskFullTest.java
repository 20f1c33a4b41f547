package io.vqgen.job;

import io.vqgen.FaultyLocalFileSystem;
import org.apache.hadoop.conf.Configuration;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.stream.IntStream;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The output's disk fills up during a run ({@link FaultyLocalFileSystem}: Hadoop's local file system whose writes
 * fail as on a full disk, with the same FSError): what cannot be stored leaves nothing partial behind, the run says
 * "disk full" and names the output, and once there is room a rerun completes the output.
 */
class DiskFullTest {
    private static final int ROWS = 4;
    private static final Set<String> EXPECTED = OutputCheck.images("d", ROWS);

    @TempDir
    Path tmp;
    private Path jobFile;
    private String output;

    private record Result(int code, String out, String err) {
    }

    @BeforeEach
    void setUp() throws Exception {
        FakeGenerator.reset();
        Path input = JobTestSupport.prompts(tmp.resolve("in/prompts.parquet"),
                IntStream.range(0, ROWS).mapToObj(i -> JobTestSupport.row("d" + i, "caption " + i)).toArray(String[]::new));
        Path model = JobTestSupport.model(tmp.resolve("model"));
        output = FaultyLocalFileSystem.uri(tmp.resolve("out"));
        List<String> lines = new ArrayList<>(List.of("input=" + input, "output=" + output, "model=" + model,
                "generator=" + FakeGeneratorFactory.class.getName(), "steps=10", "batch_size=1", "partitions=1"));
        FaultyLocalFileSystem.settings().forEach((k, v) -> lines.add("spark.hadoop." + k + "=" + v));
        jobFile = Files.write(tmp.resolve("job.properties"), lines);
    }

    @AfterEach
    void roomAgain() {
        FaultyLocalFileSystem.reset();
    }

    @Test
    void imagesThatCannotBeStoredBecomeErrorRowsLeavingNothingPartialAndARerunMakesThem() throws Exception {
        // the disk takes 100 more bytes of PNG (part of the first image), then none
        FaultyLocalFileSystem.filling = Pattern.compile("\\.png$");
        FaultyLocalFileSystem.FREE.set(100);
        Result full = run("run_id=full");
        assertEquals(0, full.code(), "the run finishes, its images error rows: " + full.err());

        OutputCheck.Found left = OutputCheck.verify(output, conf(), EXPECTED, false);
        assertEquals(ROWS, left.rows().size());
        for (Row r : left.rows()) {
            assertEquals("error", r.getAs("status"));
            String error = r.getAs("error");
            assertTrue(error.matches("storing image 0 of 'd\\d' failed: IOException: disk full \\(No space left on device\\)"),
                    error);
        }
        assertEquals(Set.of(), left.imageFiles(), "no partial PNG: the first write's 100 bytes were deleted");
        assertEquals(List.of(), left.staged());
        RunSummary summary = summary("full");
        assertEquals(ROWS, summary.errorRows());

        FaultyLocalFileSystem.reset();
        Result again = run("run_id=again");
        assertEquals(0, again.code(), again.err());
        OutputCheck.Found done = OutputCheck.verify(output, conf(), EXPECTED, true);
        assertEquals(ROWS, done.ok().size());
        assertEquals(ROWS, summary("again").imagesOk());
    }

    @Test
    void aFullDiskFailsTheRunSayingSoLeavingNoPartialFileAndARerunCompletesIt() throws Exception {
        // the disk is full once the run has checked that it can write there (its probe file) and taken its lease
        FaultyLocalFileSystem.filling = Pattern.compile("^(?!.*(\\.probe|_lease\\.json)(\\.crc)?$)");
        FaultyLocalFileSystem.FREE.set(0);
        Result full = run("run_id=full");
        assertEquals(1, full.code());
        assertEquals("vqgen run: run full failed: output " + output + ": disk full (No space left on device); what was"
                + " committed stays: free some space and rerun to resume", full.err().strip());

        OutputCheck.Found left = OutputCheck.verify(output, conf(), EXPECTED, false);
        assertEquals(List.of(), left.rows(), "no manifest row was committed");
        assertEquals(Set.of(), left.imageFiles(), "no partial PNG");
        assertEquals(List.of(), left.staged());
        Path runs = tmp.resolve("out/runs");
        try (Stream<Path> files = Files.exists(runs) ? Files.list(runs) : Stream.empty()) {
            assertFalse(files.anyMatch(f -> f.getFileName().toString().endsWith(".json")),
                    "no run summary (rather than an empty one)");
        }

        FaultyLocalFileSystem.reset();
        Result again = run("run_id=again");
        assertEquals(0, again.code(), again.err());
        OutputCheck.verify(output, conf(), EXPECTED, true);
        assertEquals("succeeded", summary("again").status());
    }

    @Test
    void aDiskFullWhenTheLeaseIsTakenIsABadOutputNamedInOneLine() throws Exception {
        FaultyLocalFileSystem.filling = Pattern.compile("^(?!.*\\.probe(\\.crc)?$)");
        FaultyLocalFileSystem.FREE.set(0);
        Result full = run("run_id=full");
        assertEquals(2, full.code());
        assertTrue(full.err().strip().matches("vqgen run: output faultyfile:/+" + Pattern.quote(tmp.resolve("out").toString().substring(1))
                + ": cannot write the run lease "
                + ".*_lease\\.json \\(disk full: No space left on device\\)"), full.err());
        assertEquals(List.of(), FakeGenerator.CALLS.stream().toList(), "nothing generated");
    }

    @Test
    void aDiskAlreadyFullIsABadOutputNamedInOneLine() throws Exception {
        FaultyLocalFileSystem.FREE.set(0);
        Result full = run("run_id=full");
        assertEquals(2, full.code());
        assertEquals("vqgen run: output " + output + ": cannot write there (disk full: No space left on device)",
                full.err().strip());
        assertEquals(List.of(), FakeGenerator.CALLS.stream().toList(), "nothing generated");
    }

    private Result run(String... overrides) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        JobTestSupport.spark();
        int code = GenerateJob.run(jobFile, List.of(overrides), new PrintWriter(out, true), new PrintWriter(err, true));
        return new Result(code, out.toString(), err.toString());
    }

    private RunSummary summary(String runId) throws Exception {
        return RunSummary.fromJson(Files.readString(tmp.resolve("out/runs/" + runId + ".json")));
    }

    private static Configuration conf() {
        Configuration conf = new Configuration(JobTestSupport.spark().sparkContext().hadoopConfiguration());
        FaultyLocalFileSystem.settings().forEach(conf::set);
        return conf;
    }
}
