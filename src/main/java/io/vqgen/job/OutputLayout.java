package io.vqgen.job;

import java.io.Serializable;

/**
 * Where a job's outputs go under its output root (a fully qualified URI, e.g. {@code s3a://bucket/run1}).
 * <pre>
 * images/&lt;safe id&gt;/&lt;image index&gt;.png   one PNG per image (output_format=png); the same name on every retry or rerun
 * shards/&lt;run id&gt;-&lt;partition&gt;-&lt;n&gt;.tar   webdataset shards (output_format=webdataset), committed ones only
 * shards/_staging/&lt;run id&gt;/…            shards being written, one file per task attempt (see {@link ShardCommit})
 * manifest/run_id=&lt;run id&gt;/*.parquet     the manifest, one Spark-committed partition per run
 * runs/&lt;run id&gt;.json                    the run summary
 * runs/&lt;run id&gt;/executors/*.json         one report per JVM that ran tasks (device, pipeline builds, tasks)
 * .partial/&lt;run id&gt;/                    files being written (file://, hdfs://), renamed into place when whole
 * </pre>
 */
public record OutputLayout(String root) implements Serializable {
    public OutputLayout {
        while (root.endsWith("/") && !root.endsWith("//")) {
            root = root.substring(0, root.length() - 1);
        }
    }

    public String images() {
        return root + "/images";
    }

    public String manifest() {
        return root + "/manifest";
    }

    public String runs() {
        return root + "/runs";
    }

    public String manifestPartition(String runId) {
        return manifest() + "/run_id=" + runId;
    }

    public String summary(String runId) {
        return runs() + "/" + runId + ".json";
    }

    public String executors(String runId) {
        return runs() + "/" + runId + "/executors";
    }

    /** Where a run writes its files before renaming them into place ({@link OutputFiles}). */
    public String staging(String runId) {
        return stagingRoot() + "/" + runId;
    }

    public String stagingRoot() {
        return root + "/.partial";
    }

    public String image(String id, int index) {
        return images() + "/" + SafeIds.encode(id) + "/" + index + ".png";
    }

    public String shards() {
        return root + "/shards";
    }

    /**
     * A committed shard's name: {@code <run id>-<partition>-<n>.tar}, the partition counted across the run's
     * commits ({@code commit × partitions + task partition}), n counting the task's shards from 0.
     */
    public static String shardName(String runId, int partition, int n) {
        return String.format("%s-%05d-%05d.tar", runId, partition, n);
    }

    public String shard(String name) {
        return shards() + "/" + name;
    }

    public String staging() {
        return shards() + "/_staging";
    }

    /** Where the task attempt {@code attempt} writes the shard that becomes {@code name} if the attempt commits. */
    public String stagingShard(String runId, String name, long attempt) {
        return staging() + "/" + runId + "/" + name + "." + attempt;
    }

    /** A URI under the root as a path relative to it (the manifest's {@code file_name}). */
    public String relative(String uri) {
        if (!uri.startsWith(root + "/")) {
            throw new IllegalArgumentException(uri + " is not under the output root " + root);
        }
        return uri.substring(root.length() + 1);
    }
}
