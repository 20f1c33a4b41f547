package io.vqgen.job;

import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.FileNotFoundException;
import java.io.IOException;

/**
 * What runs that were stopped mid-way (a killed JVM) leave in an output, none of which a reader sees: files being
 * written in their staging folders ({@code .partial/<run id>/}, see {@link OutputFiles}) and the manifest files of
 * their uncommitted tasks (Spark's {@code manifest/run_id=<run id>/_temporary/}). A run deletes the other runs'
 * leftovers when it starts, and its own staging folder when it ends. Only one run writes into an output at a time,
 * so another run's leftovers are dead.
 */
final class Leftovers {
    private static final Logger LOG = LoggerFactory.getLogger(Leftovers.class);
    private static final String SPARK_TEMPORARY = "_temporary";

    private Leftovers() {
    }

    /** Deletes what runs other than {@code runId} left. */
    static void removeOthers(OutputLayout layout, String runId, Configuration conf) throws IOException {
        FileSystem fs = new Path(layout.root()).getFileSystem(conf);
        for (FileStatus run : list(fs, new Path(layout.stagingRoot()))) {
            if (!run.getPath().getName().equals(runId)) {
                LOG.info("deleting {}: files a stopped run was writing", run.getPath());
                fs.delete(run.getPath(), true);
            }
        }
        String own = new Path(layout.manifestPartition(runId)).getName();
        for (FileStatus partition : list(fs, new Path(layout.manifest()))) {
            Path temporary = new Path(partition.getPath(), SPARK_TEMPORARY);
            if (partition.isDirectory() && !partition.getPath().getName().equals(own) && fs.exists(temporary)) {
                LOG.info("deleting {}: manifest files of a stopped run's uncommitted tasks", temporary);
                fs.delete(temporary, true);
            }
        }
    }

    /** Deletes this run's staging folder, and the staging root once it is empty. */
    static void removeOwn(OutputLayout layout, String runId, Configuration conf) throws IOException {
        Path own = new Path(layout.staging(runId));
        FileSystem fs = own.getFileSystem(conf);
        fs.delete(own, true);
        Path all = new Path(layout.stagingRoot());
        if (fs.exists(all) && list(fs, all).length == 0) {
            fs.delete(all, false);
        }
    }

    private static FileStatus[] list(FileSystem fs, Path dir) throws IOException {
        try {
            return fs.listStatus(dir);
        } catch (FileNotFoundException e) {
            return new FileStatus[0];
        }
    }
}
