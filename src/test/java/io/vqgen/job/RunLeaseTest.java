package io.vqgen.job;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.vqgen.LogCapture;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static io.vqgen.job.JobTestSupport.job;
import static io.vqgen.job.JobTestSupport.manifest;
import static io.vqgen.job.JobTestSupport.okImages;
import static io.vqgen.job.JobTestSupport.prompts;
import static io.vqgen.job.JobTestSupport.row;
import static io.vqgen.job.JobTestSupport.run;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** One run per output at a time: a second run into an output in use is refused before it plans anything. */
class RunLeaseTest {
    @TempDir
    Path tmp;
    Path model;
    Path input;
    Path out;

    @BeforeEach
    void setUp() {
        model = JobTestSupport.model(tmp.resolve("model"));
        input = prompts(tmp.resolve("in.parquet"), row("a", "a red bus"), row("b", "a cat"), row("c", "a dog"));
        out = tmp.resolve("out");
        FakeGenerator.reset();
    }

    private Path lease() {
        return out.resolve("runs/_lease.json");
    }

    @Test
    void aSecondRunIntoAnOutputInUseIsRefusedAndTheFirstCompletes() throws Exception {
        FakeGenerator.BLOCKED.set(true);
        CompletableFuture<RunSummary> first = CompletableFuture.supplyAsync(() -> run(job(input, out, model,
                "run_id", "first", "partitions", "1")));
        try {
            for (int i = 0; i < 600 && !FakeGenerator.WAITING.get(); i++) {
                Thread.sleep(100);
            }
            assertTrue(FakeGenerator.WAITING.get(), "the first run is generating");
            assertTrue(Files.isRegularFile(lease()), "it holds the lease");
            JobException second = assertThrows(JobException.class, () -> run(job(input, out, model, "run_id", "second")));
            assertTrue(second.getMessage().startsWith("output file:" + out + " is in use by run first (host "),
                    second.getMessage());
            assertTrue(second.getMessage().contains("delete " + "file:" + lease()), second.getMessage());
        } finally {
            FakeGenerator.BLOCKED.set(false);
        }
        RunSummary done = first.get(5, TimeUnit.MINUTES);
        assertEquals(3, done.imagesOk());
        assertEquals(3, okImages(manifest(out.toString())).size(), "each image once");
        assertFalse(Files.exists(lease()), "the lease is given back");
    }

    @Test
    void aStaleLeaseIsTakenOverAndAFailedRunGivesItsLeaseBack() throws IOException {
        Files.createDirectories(lease().getParent());
        Files.writeString(lease(), new ObjectMapper().writeValueAsString(Map.of("run_id", "killed", "host", "h",
                "pid", 1, "started", "2026-01-01T00:00:00Z",
                "heartbeat", System.currentTimeMillis() - RunLease.STALE.toMillis() - 1000)));
        try (LogCapture log = LogCapture.of(RunLease.class)) {
            assertEquals(3, run(job(input, out, model)).imagesOk());
            assertTrue(log.messages().stream().anyMatch(m -> m.startsWith("WARN output file:" + out
                    + ": taking over the lease of run killed")), log.messages().toString());
        }
        assertFalse(Files.exists(lease()));

        FakeGenerator.CRASH_AFTER.set(0);
        assertThrows(Exception.class, () -> run(job(input, tmp.resolve("out2"), model)));
        assertFalse(Files.exists(tmp.resolve("out2/runs/_lease.json")), "a failed run gives its lease back too");
    }

    @Test
    void aFreshLeaseStopsADryRunToo() throws IOException {
        Files.createDirectories(lease().getParent());
        Files.writeString(lease(), new ObjectMapper().writeValueAsString(Map.of("run_id", "busy", "host", "h",
                "pid", 1, "started", "2026-01-01T00:00:00Z", "heartbeat", System.currentTimeMillis())));
        JobException e = assertThrows(JobException.class, () -> DryRun.of(JobTestSupport.spark(), job(input, out, model)));
        assertTrue(e.getMessage().contains(" is in use by run busy "), e.getMessage());
    }

    @Test
    void aLeaseWhoseProcessIsGoneFromThisHostIsTakenOverAtOnce() throws Exception {
        String host = java.net.InetAddress.getLocalHost().getHostName();
        String namespace = Files.readSymbolicLink(Path.of("/proc/self/ns/pid")).toString();
        Process exited = new ProcessBuilder("true").start();
        exited.waitFor();
        String started = java.time.Instant.now().minusSeconds(60).toString();
        ObjectMapper json = new ObjectMapper();
        java.util.function.BiFunction<String, Long, com.fasterxml.jackson.databind.JsonNode> lease = (h, pid) ->
                json.valueToTree(Map.of("run_id", "killed", "host", h, "pid", pid, "pid_namespace", namespace,
                        "started", started, "heartbeat", System.currentTimeMillis()));
        assertTrue(RunLease.goneHere(lease.apply(host, exited.pid())), "its process exited");
        assertFalse(RunLease.goneHere(lease.apply(host, ProcessHandle.current().pid())), "this JVM is alive");
        assertFalse(RunLease.goneHere(lease.apply("another-host", exited.pid())), "another host: unknowable");
        assertFalse(RunLease.goneHere(json.valueToTree(Map.of("run_id", "old", "host", host, "pid", exited.pid(),
                "started", started, "heartbeat", System.currentTimeMillis()))), "no namespace recorded: unknowable");

        Files.createDirectories(lease().getParent());
        Files.writeString(lease(), json.writeValueAsString(lease.apply(host, exited.pid())));
        try (LogCapture log = LogCapture.of(RunLease.class)) {
            assertEquals(3, run(job(input, out, model)).imagesOk());
            assertTrue(log.messages().stream().anyMatch(m -> m.contains("taking over the lease of run killed (its "
                    + "process " + exited.pid() + " on this host is gone)")), log.messages().toString());
        }
    }
}
