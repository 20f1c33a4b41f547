package io.vqgen.job;

import java.io.Serializable;

/**
 * Where a job's outputs go under its output root (a fully qualified URI, e.g. {@code s3a://bucket/run1}).
 * <pre>
 * images/&lt;safe id&gt;/&lt;image index&gt;.png   one PNG per image; the same name on every retry or rerun
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
}
