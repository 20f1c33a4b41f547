package io.vqgen.job;

import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Shared pieces of the Spark job tests: one local session per test JVM, a minimal model folder, inputs. */
final class JobTestSupport {
    private static SparkSession spark;

    private JobTestSupport() {
    }

    /**
     * One local session for every job test class in this JVM (starting Spark costs seconds): 2 threads, and a
     * failed task is tried twice (local[2,2]) so that task retries can be tested.
     */
    static synchronized SparkSession spark() {
        if (spark == null) {
            spark = SparkSession.builder().master("local[2,2]").appName("vqgen-job-tests")
                    .config("spark.ui.enabled", "false")
                    .config("spark.sql.shuffle.partitions", "2")
                    .config("spark.ui.showConsoleProgress", "false")
                    .getOrCreate();
        }
        return spark;
    }

    /** What the job's pre-flight check reads: model_index.json and the scheduler's num_train_timesteps. */
    static Path model(Path dir) {
        try {
            Files.createDirectories(dir.resolve("scheduler"));
            Files.writeString(dir.resolve("model_index.json"), "{\"_class_name\": \"VQDiffusionPipeline\"}");
            Files.writeString(dir.resolve("scheduler/scheduler_config.json"), "{\"num_train_timesteps\": 100}");
            return dir;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A prompts Parquet file from JSON lines. */
    static Path prompts(Path file, String... jsonLines) {
        try {
            Files.createDirectories(file.getParent());
            Path jsonl = Files.createTempFile(file.getParent(), "prompts", ".jsonl");
            Files.write(jsonl, List.of(jsonLines));
            PromptsFile.convert(jsonl, file);
            Files.delete(jsonl);
            return file;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static String row(String id, String prompt) {
        return "{\"id\": \"" + id + "\", \"prompt\": \"" + prompt + "\"}";
    }

    /** A job on the test double with small defaults; more keys as key, value pairs. */
    static JobConfig job(Object input, Object output, Object model, String... keyValues) {
        Map<String, String> s = new LinkedHashMap<>();
        s.put("input", input.toString());
        s.put("output", output.toString());
        s.put("model", model.toString());
        s.put("generator", FakeGeneratorFactory.class.getName());
        s.put("steps", "10");
        s.put("batch_size", "4");
        for (int i = 0; i < keyValues.length; i += 2) {
            s.put(keyValues[i], keyValues[i + 1]);
        }
        return JobConfig.of(s, "test job");
    }

    static RunSummary run(JobConfig job) {
        return JobRunner.run(spark(), job, GeneratorFactory.named(job.generator()));
    }

    /** Every manifest row under an output root (all runs). */
    static List<Row> manifest(String output) {
        return new ArrayList<>(spark().read().parquet(output + "/manifest").collectAsList());
    }

    /** The manifest's ok rows, keyed "id#index"; fails on a duplicate. */
    static Map<String, Row> okImages(List<Row> manifest) {
        Map<String, Row> ok = new LinkedHashMap<>();
        for (Row r : manifest) {
            if ("ok".equals(r.getAs("status"))) {
                String key = r.getAs("id") + "#" + r.getAs("image_index");
                if (ok.put(key, r) != null) {
                    throw new AssertionError("two ok rows for " + key);
                }
            }
        }
        return ok;
    }
}
