package io.vqgen.cluster;

import org.apache.spark.SparkEnv;
import org.apache.spark.TaskContext;
import org.apache.spark.resource.ResourceInformation;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import scala.Option;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;

/**
 * A small Spark application for the standalone-cluster test, shaped like the generation job: it reads a prompt
 * table (Parquet with {@code id}, {@code prompt}), spreads it over partitions, and in each task records what
 * Spark gave it (GPU addresses from {@link TaskContext#resources()}, executor id, executor JVM pid) and takes a
 * per-JVM resource, as the job takes its pipeline. Writes one tab-separated line per partition: partition,
 * executor id, pid, GPU addresses, per-JVM resource id, task attempt, the ids it saw (comma-separated).
 *
 * <p>Arguments: prompt table, output file, number of partitions, marker folder for {@link PerJvmResource},
 * and optionally a gate file: then every task waits for that file to exist, so a test can kill an executor
 * while tasks run.
 */
public final class GpuProbeApp {
    private GpuProbeApp() {
    }

    public static void main(String[] args) throws IOException {
        String prompts = args[0];
        Path output = Path.of(args[1]);
        int partitions = Integer.parseInt(args[2]);
        String markers = args[3];
        String gate = args.length > 4 ? args[4] : null;
        SparkSession spark = SparkSession.builder().appName("vqgen-gpu-probe").getOrCreate();
        try {
            List<String> lines = spark.read().parquet(prompts).select("id", "prompt").repartition(partitions)
                    .javaRDD()
                    .mapPartitions((Iterator<Row> rows) -> List.of(probe(rows, markers, gate)).iterator())
                    .collect();
            Files.write(output, lines);
        } finally {
            spark.stop();
        }
    }

    private static String probe(Iterator<Row> rows, String markers, String gate) throws InterruptedException {
        TaskContext task = TaskContext.get();
        Option<ResourceInformation> gpu = task.resources().get("gpu");
        String addresses = gpu.isDefined() ? String.join(",", gpu.get().addresses()) : "";
        String resource = PerJvmResource.get(Path.of(markers)).id();
        List<String> ids = new ArrayList<>();
        rows.forEachRemaining(r -> ids.add(r.getString(0)));
        if (gate == null) {
            Thread.sleep(300); // long enough that both executors receive tasks
        } else {
            for (long waited = 0; !Files.exists(Path.of(gate)); waited += 100) {
                if (waited > 300_000) {
                    throw new IllegalStateException("gate " + gate + " not opened within 5 minutes");
                }
                Thread.sleep(100);
            }
        }
        return String.join("\t", Integer.toString(task.partitionId()), SparkEnv.get().executorId(),
                Long.toString(ProcessHandle.current().pid()), addresses, resource,
                Integer.toString(task.attemptNumber()), String.join(",", ids));
    }

    /** Built once per JVM on first use, like the job's pipeline holder; each build leaves a marker file. */
    static final class PerJvmResource {
        private static PerJvmResource instance;

        private final String id;

        private PerJvmResource(String id) {
            this.id = id;
        }

        static synchronized PerJvmResource get(Path markers) {
            if (instance == null) {
                String id = ProcessHandle.current().pid() + "-" + System.nanoTime();
                try {
                    Files.createDirectories(markers);
                    Files.writeString(markers.resolve(id), id);
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
                instance = new PerJvmResource(id);
            }
            return instance;
        }

        String id() {
            return id;
        }
    }
}
