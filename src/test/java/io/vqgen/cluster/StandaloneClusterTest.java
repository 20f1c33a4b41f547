package io.vqgen.cluster;

import io.vqgen.captions.Caption;
import io.vqgen.captions.CocoCaptionsReader;
import io.vqgen.captions.CocoFiles;
import io.vqgen.cli.Main;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Spark's GPU scheduling across real JVMs: a standalone master and two workers on 127.0.0.1, each worker
 * advertising one fake GPU (worker 0: address "0", worker 1: address "1"), one executor per worker with
 * {@code spark.executor.resource.gpu.amount=1} and {@code spark.task.resource.gpu.amount=1}. The application
 * reads a prompt table made by {@code prepare-captions} from an MSCOCO-format file.
 */
class StandaloneClusterTest {
    private static final int PARTITIONS = 8;

    private static final Map<String, String> GPU_CONF = Map.of(
            "spark.executor.cores", "1",
            "spark.executor.memory", "512m",
            "spark.executor.resource.gpu.amount", "1",
            "spark.task.resource.gpu.amount", "1",
            // start only when both executors are there, so that both get tasks
            "spark.scheduler.minRegisteredResourcesRatio", "1.0",
            "spark.scheduler.maxRegisteredResourcesWaitingTime", "180s",
            // short-lived test JVMs: C1 only and one GC thread leave the 2 cores to the work
            "spark.executor.extraJavaOptions", "-XX:TieredStopAtLevel=1 -XX:+UseSerialGC");

    private static StandaloneCluster cluster;
    private static Path prompts;
    private static Set<String> annotationIds;

    @BeforeAll
    static void startCluster() throws IOException, InterruptedException {
        Path dir = Path.of("target", "standalone-cluster").toAbsolutePath();
        deleteTree(dir);
        cluster = StandaloneCluster.start(dir, 2, 1, 1024, 1, Duration.ofMinutes(3));

        // the prompt table comes from an MSCOCO-format annotation file through prepare-captions
        Path annotations = CocoFiles.write(dir, "captions_val2014.json", CocoFiles.generated(40));
        prompts = dir.resolve("prompts");
        assertEquals(0, Main.run("prepare-captions", "--format", "coco", "--input", annotations.toString(),
                "--output", prompts.toString()));
        annotationIds = new CocoCaptionsReader().read(annotations).rows().stream().map(Caption::id)
                .collect(Collectors.toSet());
    }

    @AfterAll
    static void stopCluster() {
        if (cluster != null) {
            cluster.close();
        }
    }

    @Test
    void everyTaskSeesTheGpuItsExecutorWasGivenAndEachJvmBuildsItsResourceOnce() throws Exception {
        Path out = cluster.dir().resolve("probe.tsv");
        Path markers = cluster.dir().resolve("markers");
        StandaloneCluster.Submission run = cluster.submit(GpuProbeApp.class.getName(), appJar(), GPU_CONF,
                List.of(prompts.toString(), out.toString(), Integer.toString(PARTITIONS), markers.toString()),
                Duration.ofMinutes(4));
        assertEquals(0, run.exitCode(), () -> "driver failed:\n" + tail(run) + "\n" + diagnostics());

        List<String[]> tasks = rows(out);
        assertEquals(PARTITIONS, tasks.size());
        assertEveryPromptOnce(tasks);
        assertEquals(Set.of("0", "1"), tasks.stream().map(t -> t[3]).collect(Collectors.toSet()),
                "every task got one of the workers' GPU addresses, and both were used");
        Map<String, Set<String>> addressesByPid = tasks.stream().collect(Collectors.groupingBy(t -> t[2],
                Collectors.mapping(t -> t[3], Collectors.toSet())));
        assertEquals(2, addressesByPid.size(), "two executor JVMs: " + addressesByPid.keySet());
        addressesByPid.values().forEach(a -> assertEquals(1, a.size(), "an executor keeps its one GPU: " + a));
        assertFalse(addressesByPid.containsKey(Long.toString(ProcessHandle.current().pid())),
                "tasks ran outside the test JVM");

        Set<String> resources = tasks.stream().map(t -> t[4]).collect(Collectors.toSet());
        try (Stream<Path> built = Files.list(markers)) {
            assertEquals(resources, built.map(p -> p.getFileName().toString()).collect(Collectors.toSet()),
                    "one per-JVM resource built in each executor JVM, and every task used its JVM's");
        }
        assertEquals(addressesByPid.keySet(), resources.stream().map(r -> r.substring(0, r.indexOf('-')))
                .collect(Collectors.toSet()));
    }

    @Test
    void aKilledExecutorsTasksAreRetriedAndTheJobCompletes() throws Exception {
        Path out = cluster.dir().resolve("probe-kill.tsv");
        Path markers = cluster.dir().resolve("markers-kill");
        Path gate = cluster.dir().resolve("gate-kill");
        int partitions = 4;
        StandaloneCluster.Driver driver = cluster.launchDriver(GpuProbeApp.class.getName(), appJar(), GPU_CONF,
                List.of(prompts.toString(), out.toString(), Integer.toString(partitions), markers.toString(),
                        gate.toString()));

        // both executors are inside their first task (each built its per-JVM resource) and wait at the gate
        Set<Long> running = awaitMarkers(markers, 2, Duration.ofMinutes(3));
        ProcessHandle victim = cluster.executors().stream().filter(p -> running.contains(p.pid())).findFirst()
                .orElseThrow(() -> new AssertionError("no executor of this cluster among " + running));
        victim.destroyForcibly();
        victim.onExit().get();
        Files.createFile(gate);

        StandaloneCluster.Submission run = driver.await(Duration.ofMinutes(4));
        assertEquals(0, run.exitCode(), () -> "driver failed:\n" + tail(run) + "\n" + diagnostics());
        List<String[]> tasks = rows(out);
        assertEquals(partitions, tasks.size());
        assertEquals(partitions, tasks.stream().map(t -> t[0]).distinct().count(), "each partition once");
        assertEveryPromptOnce(tasks);
        assertTrue(tasks.stream().noneMatch(t -> t[2].equals(Long.toString(victim.pid()))),
                "the killed executor's task finished elsewhere");
        assertTrue(tasks.stream().anyMatch(t -> Integer.parseInt(t[5]) > 0), "a task was retried");
        assertTrue(Files.readString(run.log(), StandardCharsets.ISO_8859_1).contains("Lost executor"),
                "the driver saw the executor go");
    }

    private static void assertEveryPromptOnce(List<String[]> tasks) {
        List<String> seen = tasks.stream().flatMap(t -> Stream.of(t[6].split(",")))
                .filter(id -> !id.isEmpty()).toList();
        assertEquals(annotationIds.size(), seen.size(), "no prompt twice");
        assertEquals(annotationIds, Set.copyOf(seen), "every prompt of the annotation file");
    }

    private static Set<Long> awaitMarkers(Path markers, int count, Duration timeout) throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            if (Files.isDirectory(markers)) {
                try (Stream<Path> built = Files.list(markers)) {
                    Set<Long> pids = built.map(p -> p.getFileName().toString())
                            .map(n -> Long.parseLong(n.substring(0, n.indexOf('-')))).collect(Collectors.toSet());
                    if (pids.size() >= count) {
                        return pids;
                    }
                }
            }
            Thread.sleep(100);
        }
        throw new AssertionError(count + " executors did not start tasks within " + timeout + "\n" + diagnostics());
    }

    private static List<String[]> rows(Path out) throws IOException {
        return Files.readAllLines(out).stream().map(l -> l.split("\t", -1)).toList();
    }

    private static Path appJar() throws Exception {
        return cluster.appJar("probe-app.jar", classesOf(GpuProbeApp.class));
    }

    private static Path[] classesOf(Class<?>... classes) throws Exception {
        return Stream.concat(Stream.of(io.vqgen.cli.Main.class), Stream.of(classes))
                .map(c -> {
                    try {
                        return Path.of(c.getProtectionDomain().getCodeSource().getLocation().toURI());
                    } catch (java.net.URISyntaxException e) {
                        throw new IllegalStateException(e);
                    }
                }).distinct().toArray(Path[]::new);
    }

    private static String tail(StandaloneCluster.Submission run) {
        try {
            return run.logTail(60);
        } catch (IOException e) {
            return "(no driver log: " + e + ")";
        }
    }

    private static String diagnostics() {
        try {
            return cluster.diagnostics(30);
        } catch (IOException e) {
            return "(no logs: " + e + ")";
        }
    }

    private static void deleteTree(Path dir) throws IOException {
        if (Files.exists(dir)) {
            try (Stream<Path> all = Files.walk(dir)) {
                for (Path p : all.sorted(Comparator.reverseOrder()).toList()) {
                    Files.delete(p);
                }
            }
        }
    }
}
