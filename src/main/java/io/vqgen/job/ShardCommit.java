package io.vqgen.job;

import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.util.List;

import static org.apache.spark.sql.functions.col;

/**
 * Makes committed webdataset shards visible, on the driver. Task attempts write shards to
 * {@code shards/_staging/<run>/<shard name>.<task attempt>}; their manifest rows name the shard's final place
 * ({@code file_name}) and the attempt ({@code task_attempt}). Spark's commit protocol commits the manifest rows of
 * exactly one attempt per task; after each commit, {@link #promote} renames that attempt's staging files to their
 * final names and deletes the run's staging folder (what is left there is from failed, retried or speculative
 * attempts). So {@code shards/} only ever holds complete shards whose every image has a committed manifest row.
 *
 * <p>If the driver dies between a manifest commit and the renames, the manifest names shards that are still in
 * staging: the next run on the same output calls {@link #recover} before planning, which finishes those renames
 * (any run's) and clears the staging folder. Like resume itself, that assumes one run at a time per output.
 */
final class ShardCommit {
    private static final Logger LOG = LoggerFactory.getLogger(ShardCommit.class);
    private static final String SHARD_COLUMNS = "file_name STRING, shard_member STRING, task_attempt BIGINT";

    private ShardCommit() {
    }

    /** After a commit of run {@code runId}: its committed shards into {@code shards/}, the rest deleted. */
    static int promote(SparkSession spark, OutputLayout layout, String runId, Configuration conf) {
        try {
            Path staging = new Path(layout.staging());
            FileSystem fs = staging.getFileSystem(conf);
            int moved = promote(spark, layout, runId, fs);
            if (fs.exists(staging) && fs.listStatus(staging).length == 0) {
                fs.delete(staging, false);
            }
            return moved;
        } catch (IOException e) {
            throw new JobException("output " + layout.shards() + ": cannot move committed shards into place ("
                    + ErrorText.of(e) + ")", e);
        }
    }

    /** Before planning a run: finishes the moves an earlier driver did not, then clears all staging files. */
    static void recover(SparkSession spark, OutputLayout layout, Configuration conf) {
        try {
            Path staging = new Path(layout.staging());
            FileSystem fs = staging.getFileSystem(conf);
            if (!fs.exists(staging)) {
                return;
            }
            for (FileStatus run : fs.listStatus(staging)) {
                String runId = run.getPath().getName();
                int moved = promote(spark, layout, runId, fs);
                if (moved > 0) {
                    LOG.warn("run {}: {} committed shard(s) had not been moved into {} (its driver stopped after a"
                            + " manifest commit); moved them now", runId, moved, layout.shards());
                }
            }
            fs.delete(staging, true);
        } catch (IOException e) {
            throw new JobException("output " + layout.shards() + ": cannot finish an earlier run's shard commit ("
                    + ErrorText.of(e) + ")", e);
        }
    }

    private static int promote(SparkSession spark, OutputLayout layout, String runId, FileSystem fs)
            throws IOException {
        Path staging = new Path(layout.staging(), runId);
        if (!fs.exists(staging)) {
            return 0;
        }
        int moved = 0;
        if (fs.exists(new Path(layout.manifestPartition(runId)))) {
            moved = moveAll(spark.read().schema(SHARD_COLUMNS).parquet(layout.manifestPartition(runId))
                    .where(col("shard_member").isNotNull()).select("file_name", "task_attempt").distinct()
                    .collectAsList(), runId, layout, fs);
        }
        fs.delete(staging, true);
        return moved;
    }

    /** Renames each committed shard's staging file to its final name, where that is not done yet. */
    private static int moveAll(List<Row> shards, String runId, OutputLayout layout, FileSystem fs) throws IOException {
        int moved = 0;
        for (Row shard : shards) {
            String fileName = shard.getString(0);
            Path target = new Path(layout.root() + "/" + fileName);
            if (fs.exists(target)) {
                continue;
            }
            Path source = new Path(layout.stagingShard(runId, target.getName(), shard.getLong(1)));
            if (!fs.exists(source)) {
                LOG.error("run {}: committed shard {} is neither in place nor in staging ({}): its images' manifest"
                        + " rows point at a missing file", runId, target, source);
                continue;
            }
            fs.mkdirs(target.getParent());
            if (!fs.rename(source, target)) {
                throw new IOException("rename " + source + " -> " + target + " failed");
            }
            moved++;
        }
        return moved;
    }
}
