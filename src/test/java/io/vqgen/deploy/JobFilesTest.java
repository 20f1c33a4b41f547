package io.vqgen.deploy;

import io.vqgen.job.JobConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The shipped job files are valid job files: with their cluster locations replaced by ones that exist here, each
 * passes the job's own validation (JobConfig: every key known, every value in range). Storage locations are
 * checked only when a job runs, so an object-store URI or a {@code <placeholder>} stands for "any location" and
 * is replaced by a local one of the same role.
 */
class JobFilesTest {
    private static final Pattern PLACEHOLDER = Pattern.compile("<[^>]+>");
    /** Where the deploy kit names a job file inside the image (Dockerfile: COPY jobs/ /opt/vqgen/jobs/). */
    private static final Pattern IMAGE_JOB_FILE = Pattern.compile("/opt/vqgen/jobs/([A-Za-z0-9._-]+\\.properties)");

    @Test
    void everyJobFilePassesTheJobsValidationWithItsLocationsSubstituted(@TempDir Path out) throws IOException {
        List<Path> jobFiles = jobFiles();
        assertTrue(jobFiles.size() >= 3, "jobs/: " + jobFiles);
        Map<String, String> existing = Map.of(
                "input", Scripts.ROOT.resolve("sample-data/prompts.parquet").toString(),
                "model", Scripts.ROOT.resolve("sample-data/model").toString(),
                "output", out.toString());
        existing.forEach((key, path) -> assertTrue(Files.exists(Path.of(path)), path));
        for (Path jobFile : jobFiles) {
            Properties raw = load(jobFile);
            List<String> overrides = new ArrayList<>();
            for (String key : raw.stringPropertyNames()) {
                String value = raw.getProperty(key).strip();
                // Other keys (spark.* ones, say) are passed to Spark unchecked, whatever they hold.
                if (existing.containsKey(key) && isStandIn(value)) {
                    overrides.add(key + "=" + existing.get(key));
                }
            }
            JobConfig config = JobConfig.load(jobFile, overrides);
            for (String key : existing.keySet()) {
                assertFalse(isStandIn(switch (key) {
                    case "input" -> config.input();
                    case "model" -> config.model();
                    default -> config.output();
                }), jobFile + ": " + key + " still names a cluster location");
            }
            assertFalse(config.runId().isEmpty(), jobFile.toString());
        }
    }

    @Test
    void everyJobFileTheDeployKitNamesIsShipped() throws IOException {
        Map<String, String> named = new TreeMap<>();
        for (String file : List.of("deploy/k8s/submit-ithq.sh", "deploy/k8s/sparkapplication-ithq.yaml",
                "deploy/airflow/vqgen_ithq_daily.py")) {
            Matcher m = IMAGE_JOB_FILE.matcher(Files.readString(Scripts.ROOT.resolve(file)));
            while (m.find()) {
                named.put(m.group(1), file);
            }
        }
        assertTrue(named.containsKey("ithq-dataset.properties"), "job files named: " + named);
        named.forEach((name, file) -> assertTrue(Files.isRegularFile(Scripts.ROOT.resolve("jobs").resolve(name)),
                file + " names /opt/vqgen/jobs/" + name + ", which is not in jobs/"));
    }

    /** An object-store or HDFS URI, or a {@code <placeholder>}: a location that exists only on a cluster. */
    private static boolean isStandIn(String value) {
        return value.startsWith("s3a://") || value.startsWith("s3://") || value.startsWith("hdfs://")
                || value.startsWith("gs://") || value.startsWith("abfs://") || PLACEHOLDER.matcher(value).find();
    }

    private static List<Path> jobFiles() throws IOException {
        try (Stream<Path> files = Files.list(Scripts.ROOT.resolve("jobs"))) {
            return files.filter(p -> p.toString().endsWith(".properties")).sorted().toList();
        }
    }

    private static Properties load(Path file) throws IOException {
        Properties p = new Properties();
        try (Reader in = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            p.load(in);
        }
        return p;
    }
}
