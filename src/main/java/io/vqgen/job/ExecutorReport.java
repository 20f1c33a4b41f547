package io.vqgen.job;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.SerializationFeature;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.Path;
import org.apache.spark.SparkEnv;
import org.apache.spark.TaskContext;
import org.apache.spark.resource.ResourceInformation;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * What one JVM (an executor, or the driver in local mode) did for a run, written by its tasks to
 * {@code <output>/runs/<run id>/executors/<executor id>-<host>-<pid>.json}: its GPU assignment, the device it
 * used, how many pipelines it has built, and every task it finished. Each finished task rewrites its JVM's
 * file with everything so far, so the file never depends on the manifest (whose columns are fixed) and shows
 * the assignment even when the device fell back to the CPU.
 *
 * @param pipelineBuilds generators this JVM has built since it started ({@link GeneratorCache#builds()})
 */
public record ExecutorReport(String runId, String executorId, String host, long pid, int pipelineBuilds,
                             List<TaskEntry> tasks) {
    private static final Logger LOG = LoggerFactory.getLogger(ExecutorReport.class);
    private static final ObjectMapper JSON = new ObjectMapper()
            .setPropertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE)
            .enable(SerializationFeature.INDENT_OUTPUT);
    private static final Map<String, List<TaskEntry>> TASKS_BY_FILE = new HashMap<>();

    /**
     * One finished task attempt.
     *
     * @param gpuAddresses   what {@code TaskContext.resources()} gave the task for "gpu" (empty without GPU scheduling)
     * @param deviceAssigned "gpu:&lt;address&gt;" from that assignment, null without one
     * @param deviceUsed     the device the task generated on
     * @param images         images it generated (ok or failed)
     */
    public record TaskEntry(int stage, int partition, int attempt, long taskAttemptId, List<String> gpuAddresses,
                            String deviceAssigned, String deviceUsed, int images) {
    }

    public static ExecutorReport fromJson(String json) {
        try {
            return JSON.readValue(json, ExecutorReport.class);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Adds the running task to its JVM's report and rewrites the report's file. */
    static void taskFinished(OutputLayout layout, String runId, Configuration conf, DeviceChoice.TaskDevice device,
                             int images) {
        TaskContext task = TaskContext.get();
        SparkEnv env = SparkEnv.get();
        if (task == null || env == null) {
            return; // outside Spark (unit tests of the partition code)
        }
        ResourceInformation gpu = task.resourcesJMap().get("gpu");
        TaskEntry entry = new TaskEntry(task.stageId(), task.partitionId(), task.attemptNumber(),
                task.taskAttemptId(), gpu == null ? List.of() : List.of(gpu.addresses()),
                device == null ? null : device.assigned(), device == null ? null : device.used(), images);
        String executorId = env.executorId();
        String host = env.blockManager().blockManagerId().host();
        long pid = ProcessHandle.current().pid();
        Path file = new Path(layout.executors(runId), SafeIds.encode(executorId + "-" + host + "-" + pid) + ".json");
        synchronized (TASKS_BY_FILE) {
            List<TaskEntry> tasks = TASKS_BY_FILE.computeIfAbsent(file.toString(), f -> new ArrayList<>());
            tasks.add(entry);
            ExecutorReport report = new ExecutorReport(runId, executorId, host, pid, GeneratorCache.builds(),
                    List.copyOf(tasks));
            try {
                OutputFiles.of(layout, runId, conf).write(file.toString(), JSON.writeValueAsBytes(report));
            } catch (IOException e) {
                // a diagnostic record: losing it must not make Spark regenerate the task's images
                LOG.warn("cannot write the executor report {}: {}", file, ErrorText.of(e));
            }
        }
    }
}
