package io.vqgen.cluster;

import io.vqgen.FaultyLocalFileSystem;
import io.vqgen.captions.Caption;
import io.vqgen.captions.CocoCaptionsReader;
import io.vqgen.captions.CocoFiles;
import io.vqgen.cli.Main;
import io.vqgen.job.ExecutorReport;
import io.vqgen.job.GenerateJob;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The generation job ({@link GenerateJob}, the real pipeline on {@code sample-data/model}) submitted to a Spark
 * standalone cluster on 127.0.0.1: a master and two workers, each advertising one fake GPU (worker 0: address
 * "0", worker 1: address "1"), one executor per worker with {@code spark.executor.resource.gpu.amount=1} and
 * {@code spark.task.resource.gpu.amount=1}, {@code device=auto}. There is no CUDA here, so every executor must
 * fall back to the CPU while keeping its assignment on record. The prompt table is made by
 * {@code prepare-captions} from an MSCOCO-format file; the cluster's output is compared with a local-mode run
 * of the same job file.
 */
class StandaloneClusterTest {
    private static final int PROMPTS = 8;
    private static final int PARTITIONS = 4;
    /** Bytes of a PNG an executor has written when it stops at the write gate. */
    private static final long WRITTEN_BEFORE_GATE = 100;

    private static StandaloneCluster cluster;
    private static SparkSession spark;
    private static boolean ownSession;
    private static Path jobFile;
    private static Path appJar;
    private static Set<String> annotationIds;
    private static Map<String, Image> local;

    /** One image of a manifest: its row's fields that must match across runs, and its PNG bytes (Base64). */
    private record Image(long seed, List<Integer> tokens, String png) {
    }

    @BeforeAll
    static void startClusterAndRunLocally() throws Exception {
        Path dir = Path.of("target", "standalone-cluster").toAbsolutePath();
        deleteTree(dir);
        cluster = StandaloneCluster.start(dir, 2, 1, 1024, 1, Duration.ofMinutes(3));

        // the prompt table comes from an MSCOCO-format annotation file through prepare-captions
        Path annotations = CocoFiles.write(dir, "captions_val2014.json", CocoFiles.generated(PROMPTS));
        Path prompts = dir.resolve("prompts");
        assertEquals(0, Main.run("prepare-captions", "--format", "coco", "--input", annotations.toString(),
                "--output", prompts.toString()));
        annotationIds = new CocoCaptionsReader().read(annotations).rows().stream().map(Caption::id)
                .collect(Collectors.toSet());
        jobFile = Files.writeString(dir.resolve("cluster-job.properties"), String.join("\n",
                "input=" + prompts,
                "model=" + Path.of("sample-data/model").toAbsolutePath(),
                "steps=3",
                "batch_size=2",
                "partitions=" + PARTITIONS,
                "device=auto",
                "run_seed=5",
                "spark.ui.showConsoleProgress=false", ""));
        appJar = cluster.appJar("vqgen-app.jar", classesOf(GenerateJob.class, StandaloneClusterTest.class));

        ownSession = SparkSession.getDefaultSession().isEmpty();
        spark = SparkSession.builder().master("local[2]").appName("vqgen-cluster-test-local")
                .config("spark.ui.enabled", "false").config("spark.ui.showConsoleProgress", "false").getOrCreate();
        Path localOut = dir.resolve("out-local");
        assertEquals(0, GenerateJob.run(jobFile, List.of("output=" + localOut, "run_id=local"), quiet(), new PrintWriter(System.err, true)),
                "the local run of the same job file");
        local = images(localOut, "local");
        assertEquals(PROMPTS, local.size());
    }

    @AfterAll
    static void stopCluster() {
        if (cluster != null) {
            cluster.close();
        }
        if (ownSession && spark != null) {
            spark.stop();
        }
    }

    /**
     * One submission proves it all (each costs a driver and two executor JVMs, and CI has 2 cores): both
     * executors build their pipeline and stop at a gate inside their first batch; then, let through, at a second
     * gate in the output's file system ({@link FaultyLocalFileSystem}) in the middle of writing their first PNG.
     * One is killed there (SIGKILL), and the run must still complete with every image once, the same as the local
     * run, and nothing partial left.
     */
    @Test
    void gpuTasksOnePipelinePerExecutorJvmAndAKilledExecutorStillGiveTheLocalRunsImages() throws Exception {
        Path out = cluster.dir().resolve("out-cluster");
        Path gate = cluster.dir().resolve("gate");
        Path writeGate = cluster.dir().resolve("write-gate");
        StandaloneCluster.Driver driver = cluster.launchDriver(GenerateJob.class.getName(), appJar,
                sparkConf(gate, writeGate), List.of(jobFile.toString(), "--set", "output=" + FaultyLocalFileSystem.uri(out),
                        "--set", "run_id=cluster", "--set", "generator=" + GatedGeneratorFactory.class.getName()));

        Map<Long, String> waiting = awaitWaiting(gate, 2, Duration.ofMinutes(3));
        assertEquals(Set.of("0", "1"), Set.copyOf(waiting.values()),
                "the two executor JVMs' tasks were given the two workers' GPUs: " + waiting);
        ProcessHandle victim = cluster.executors().stream().filter(p -> waiting.containsKey(p.pid())).findFirst()
                .orElseThrow(() -> new AssertionError("no executor of this cluster among " + waiting));
        Files.createFile(gate.resolve("open"));
        awaitWaiting(writeGate, List.of(victim.pid()), Duration.ofMinutes(2));
        List<Path> partial;
        try (Stream<Path> staged = Files.list(out.resolve(".partial/cluster"))) {
            partial = staged.filter(f -> f.toString().endsWith(".png")).toList();
        }
        assertTrue(partial.stream().anyMatch(f -> size(f) == WRITTEN_BEFORE_GATE),
                "the executor to be killed is mid-way through a PNG, in the run's staging folder: " + partial);
        victim.destroyForcibly();
        victim.onExit().get();
        Files.createFile(writeGate.resolve("open"));

        StandaloneCluster.Submission run = driver.await(Duration.ofMinutes(4));
        assertEquals(0, run.exitCode(), () -> "driver failed:\n" + tail(run) + "\n" + diagnostics());
        assertTrue(Files.readString(run.log(), StandardCharsets.ISO_8859_1).contains("Lost executor"),
                "the driver saw the executor go");
        assertEquals(local, images(out, "cluster"),
                "every image once, with the local run's seeds, token grids and PNG bytes");
        try (Stream<Path> files = Files.walk(out.resolve("images"))) {
            assertEquals(PROMPTS, files.filter(Files::isRegularFile).count(),
                    "no file under images/ but the manifest's PNGs (each decoded above)");
        }
        assertFalse(Files.exists(out.resolve(".partial")), "the killed write's partial PNG was deleted with the run's staging folder");

        List<ExecutorReport> reports = reports(out, "cluster");
        assertFalse(reports.stream().anyMatch(r -> r.pid() == ProcessHandle.current().pid()),
                "tasks ran outside the test JVM: " + reports);
        List<ExecutorReport.TaskEntry> tasks = reports.stream().flatMap(r -> r.tasks().stream()).toList();
        assertEquals(PARTITIONS, tasks.size(), "each partition finished once (the killed attempt never did): " + tasks);
        assertEquals(PARTITIONS, tasks.stream().map(ExecutorReport.TaskEntry::partition).distinct().count());
        assertEquals(PROMPTS, tasks.stream().mapToInt(ExecutorReport.TaskEntry::images).sum());
        assertTrue(tasks.stream().anyMatch(t -> t.images() > 0 && t.attempt() > 0), "the killed task was retried: " + tasks);
        assertTrue(tasks.stream().allMatch(t -> t.gpuAddresses().size() == 1), "every task had one GPU: " + tasks);
        assertTrue(Set.of("0", "1").containsAll(tasks.stream().map(t -> t.gpuAddresses().get(0)).toList()),
                "the workers' GPU addresses: " + tasks);
        for (ExecutorReport r : reports) {
            assertEquals(1, r.tasks().stream().map(ExecutorReport.TaskEntry::gpuAddresses).distinct().count(),
                    "an executor keeps its one GPU: " + r);
            boolean generated = r.tasks().stream().anyMatch(t -> t.images() > 0);
            // a report is written when a task finishes: one that only ran empty partitions may predate its build
            assertEquals(generated ? 1 : 0, r.pipelineBuilds(), "pipeline builds in executor JVM " + r.pid() + ": " + r);
            for (ExecutorReport.TaskEntry t : r.tasks()) {
                if (t.images() > 0) {
                    assertEquals("gpu:" + t.gpuAddresses().get(0), t.deviceAssigned(), "the assignment is kept: " + t);
                    // pytorch-native-cpu has no CUDA, and there is no GPU: auto must fall back
                    assertEquals("cpu", t.deviceUsed(), "fell back to the CPU: " + t);
                }
            }
        }
        String executorLogs = executorLogs();
        for (String address : List.of("0", "1")) {
            assertTrue(executorLogs.contains("Spark assigned gpu:" + address + " to this task, but this JVM's PyTorch"
                            + " engine can use 0 GPU(s)"),
                    "the executors' logs say they run on the CPU despite gpu:" + address + "\n" + diagnostics());
        }
        assertTrue(executorLogs.contains("generating on cpu"));
    }

    private static long size(Path f) {
        try {
            return Files.size(f);
        } catch (IOException e) {
            return -1;
        }
    }

    private static Map<String, String> sparkConf(Path gate, Path writeGate) {
        Map<String, String> conf = new LinkedHashMap<>(Map.of(
                "spark.executor.cores", "1",
                "spark.executor.memory", "768m",
                "spark.executor.resource.gpu.amount", "1",
                "spark.task.resource.gpu.amount", "1",
                // start only when both executors are there, so that both get tasks
                "spark.scheduler.minRegisteredResourcesRatio", "1.0",
                "spark.scheduler.maxRegisteredResourcesWaitingTime", "180s"));
        // short-lived test JVMs: C1 only and one GC thread leave the 2 cores to the work
        conf.put("spark.executor.extraJavaOptions", "-XX:TieredStopAtLevel=1 -XX:+UseSerialGC -D"
                + GatedGeneratorFactory.GATE_PROPERTY + "=" + gate);
        // the output's file system, with a gate in each executor JVM's first PNG write (its staged copy)
        FaultyLocalFileSystem.settings().forEach((k, v) -> conf.put("spark.hadoop." + k, v));
        conf.put("spark.hadoop." + FaultyLocalFileSystem.GATE_DIR, writeGate.toString());
        conf.put("spark.hadoop." + FaultyLocalFileSystem.GATE_WRITE, "/\\.partial/.+\\.png$");
        conf.put("spark.hadoop." + FaultyLocalFileSystem.GATE_WRITE_AFTER, Long.toString(WRITTEN_BEFORE_GATE));
        return conf;
    }

    /**
     * The run's manifest partition as (id/image index) → image, checking on the way: every prompt of the
     * annotation file, no (id, image index) twice, every row ok, every PNG present, decodable, of the row's size.
     */
    private static Map<String, Image> images(Path out, String runId) throws IOException {
        List<Row> rows = spark.read().parquet(out.resolve("manifest/run_id=" + runId).toString())
                .select("id", "image_index", "seed", "tokens", "image_uri", "width", "height", "status", "error")
                .collectAsList();
        Map<String, Image> images = new HashMap<>();
        for (Row r : rows) {
            assertEquals("ok", r.getString(7), () -> "row " + r);
            String key = r.getString(0) + "/" + r.getInt(1);
            byte[] png = Files.readAllBytes(Path.of(URI.create(r.getString(4)).getPath()));
            BufferedImage decoded = ImageIO.read(new ByteArrayInputStream(png));
            assertNotNull(decoded, key + " is a PNG");
            assertEquals(r.getInt(5), decoded.getWidth());
            assertEquals(r.getInt(6), decoded.getHeight());
            assertTrue(images.put(key, new Image(r.getLong(2), List.copyOf(r.getList(3)),
                    Base64.getEncoder().encodeToString(png))) == null, "no duplicate row for " + key);
        }
        assertEquals(annotationIds, images.keySet().stream().map(k -> k.substring(0, k.lastIndexOf('/')))
                .collect(Collectors.toSet()), "every prompt of the annotation file");
        return images;
    }

    private static List<ExecutorReport> reports(Path out, String runId) throws IOException {
        try (Stream<Path> files = Files.list(out.resolve("runs/" + runId + "/executors"))) {
            List<ExecutorReport> reports = new ArrayList<>();
            for (Path f : files.filter(f -> f.toString().endsWith(".json")).toList()) {
                reports.add(ExecutorReport.fromJson(Files.readString(f)));
            }
            return reports;
        }
    }

    /** Once each of {@code pids} waits at the gate. */
    private static void awaitWaiting(Path gate, List<Long> pids, Duration timeout) throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!pids.stream().allMatch(pid -> Files.exists(gate.resolve("waiting-" + pid)))) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError(pids + " did not reach the gate " + gate + " within " + timeout + "\n"
                        + diagnostics());
            }
            Thread.sleep(100);
        }
    }

    /** Executor pid → its task's GPU addresses, once {@code count} JVMs wait at the gate. */
    private static Map<Long, String> awaitWaiting(Path gate, int count, Duration timeout) throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            if (Files.isDirectory(gate)) {
                Map<Long, String> waiting = new HashMap<>();
                try (Stream<Path> files = Files.list(gate)) {
                    for (Path f : files.filter(p -> p.getFileName().toString().startsWith("waiting-")).toList()) {
                        waiting.put(Long.parseLong(f.getFileName().toString().substring("waiting-".length())),
                                Files.readString(f));
                    }
                }
                if (waiting.size() >= count) {
                    return waiting;
                }
            }
            Thread.sleep(100);
        }
        throw new AssertionError(count + " executors did not reach the gate within " + timeout + "\n" + diagnostics());
    }

    /** Every executor's stderr (the workers' work folders). */
    private static String executorLogs() throws IOException {
        StringBuilder sb = new StringBuilder();
        try (Stream<Path> files = Files.walk(cluster.dir())) {
            for (Path f : files.filter(p -> p.getFileName().toString().equals("stderr")).toList()) {
                sb.append(Files.readString(f, StandardCharsets.ISO_8859_1));
            }
        }
        return sb.toString();
    }

    private static PrintWriter quiet() {
        return new PrintWriter(new StringWriter(), true);
    }

    private static Path[] classesOf(Class<?>... classes) {
        return Stream.of(classes).map(c -> {
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
