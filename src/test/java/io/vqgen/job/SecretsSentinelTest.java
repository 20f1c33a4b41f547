package io.vqgen.job;

import io.vqgen.ChildJvm;
import io.vqgen.cli.Main;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.IntStream;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Secrets given as users give them — {@code --conf spark.hadoop.fs.s3a.secret.key=…} on the command line, Azure and
 * S3A encryption keys in the job file — appear nowhere a run writes: the console, the CLI's log file, run summaries,
 * executor reports, manifest and Spark's event log; in a run that succeeds and in one that stops on bad input
 * (exception paths). Each run is a real {@code vqgen run} in a JVM of its own, so that logging is configured as
 * users get it.
 */
class SecretsSentinelTest {
    /** Every secret holds this, so one search finds any of them. */
    private static final String SENTINEL = "S3NT1NEL";

    @TempDir
    static Path tmp;
    private static Run ok;
    private static Run bad;

    /** A child JVM's run: its folder holds everything it wrote (console, log file, output, event log). */
    private record Run(ChildJvm child, Path dir) {
        Path out() {
            return dir.resolve("out");
        }
    }

    @BeforeAll
    static void runBoth() throws Exception {
        Path input = JobTestSupport.prompts(tmp.resolve("in/prompts.parquet"),
                IntStream.range(0, 4).mapToObj(i -> JobTestSupport.row("s" + i, "caption " + i)).toArray(String[]::new));
        Path garbage = Files.write(tmp.resolve("in/garbage.parquet"), new byte[] {'P', 'A', 'R', '1', 1, 2, 3, 4});
        Path model = JobTestSupport.model(tmp.resolve("model"));
        ok = start("ok", input, model);
        bad = start("bad", garbage, model);
        assertEquals(0, ok.child().waitFor(Duration.ofMinutes(4)), ok.child().logTail(40));
        assertEquals(2, bad.child().waitFor(Duration.ofMinutes(4)), bad.child().logTail(40));
    }

    private static Run start(String name, Path input, Path model) throws IOException {
        Path dir = Files.createDirectories(tmp.resolve(name));
        Path jobFile = Files.write(dir.resolve("job.properties"), List.of("input=" + input,
                "output=" + dir.resolve("out"), "model=" + model, "generator=" + FakeGeneratorFactory.class.getName(),
                "steps=5", "batch_size=2", "spark.master=local[2]", "spark.ui.enabled=false",
                "spark.eventLog.enabled=true", "spark.eventLog.dir=" + dir.resolve("events").toUri(),
                "spark.eventLog.compress=false",
                "spark.hadoop.fs.azure.account.key.x.blob.core.windows.net=azure-" + SENTINEL + "-1",
                "spark.hadoop.fs.s3a.encryption.key=enc-" + SENTINEL + "-2"));
        Files.createDirectories(dir.resolve("events"));
        ChildJvm child = ChildJvm.start(List.of("-Dvqgen.log.file=" + dir.resolve("cli.log")), Main.class.getName(),
                List.of("run", jobFile.toString(), "--conf", "spark.hadoop.fs.s3a.secret.key=secret-" + SENTINEL + "-3"),
                dir.resolve("stdout.txt"), dir.resolve("stderr.txt"));
        return new Run(child, dir);
    }

    @Test
    void aRunThatSucceedsWritesNoSecretAnywhere() throws IOException {
        assertNoSentinel(ok);
        String events = eventLogs(ok);
        assertTrue(events.contains("\"spark.hadoop.fs.s3a.secret.key\":\"*********(redacted)\""), "the event log "
                + "has the key, redacted by Spark (the search above would otherwise prove nothing)");
        assertTrue(events.contains("\"fs.azure.account.key.x.blob.core.windows.net\":\"*********(redacted)\""),
                "Hadoop's sensitive keys are in Spark's redaction regex too");
        try (Stream<Path> runs = Files.list(ok.out().resolve("runs"))) {
            Path summary = runs.filter(p -> p.toString().endsWith(".json") && !p.getFileName().toString().startsWith("_"))
                    .findFirst().orElseThrow();
            assertTrue(Files.readString(summary).contains("\"spark.hadoop.fs.s3a.encryption.key\" : \"****\""),
                    Files.readString(summary));
        }
        assertTrue(Files.readString(ok.dir().resolve("cli.log")).contains("fs.s3a.secret.key=****"),
                "the log file's settings line names the secret, masked");
        assertTrue(files(ok.out()).stream().anyMatch(p -> p.toString().contains("/executors/")),
                "executor reports were written and searched");
    }

    @Test
    void aRunStoppedByBadInputWritesNoSecretAnywhere() throws IOException {
        assertNoSentinel(bad);
        assertTrue(Files.readString(bad.dir().resolve("stderr.txt")).contains("cannot read a Parquet table there"));
        assertTrue(eventLogs(bad).contains("\"fs.s3a.encryption.key\":\"*********(redacted)\""));
    }

    /** Searches every file the run wrote, bytes as Latin-1 (no file can hide the text by failing to decode). */
    private static void assertNoSentinel(Run run) throws IOException {
        List<Path> searched = files(run.dir());
        searched.removeIf(p -> p.getFileName().toString().equals("job.properties"));
        assertTrue(searched.stream().anyMatch(p -> p.toString().contains("/events/")), "the event log: " + searched);
        assertTrue(searched.contains(run.dir().resolve("cli.log")), "the CLI's log file: " + searched);
        for (Path p : searched) {
            String text = new String(Files.readAllBytes(p), StandardCharsets.ISO_8859_1);
            int at = text.indexOf(SENTINEL);
            if (at >= 0) {
                throw new AssertionError(p + " holds a secret: …" + text.substring(Math.max(0, at - 120), at) + "…");
            }
        }
    }

    private static String eventLogs(Run run) throws IOException {
        StringBuilder all = new StringBuilder();
        for (Path p : files(run.dir().resolve("events"))) {
            all.append(Files.readString(p, StandardCharsets.ISO_8859_1));
        }
        return all.toString();
    }

    private static List<Path> files(Path dir) throws IOException {
        try (Stream<Path> walk = Files.walk(dir)) {
            return new ArrayList<>(walk.filter(Files::isRegularFile).toList());
        }
    }
}
