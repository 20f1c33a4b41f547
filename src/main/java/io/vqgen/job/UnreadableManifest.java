package io.vqgen.job;

import org.apache.hadoop.fs.Path;
import org.apache.spark.SparkThrowable;

/**
 * A file under the output's manifest folder that Spark cannot read as Parquet (garbage copied in by hand, a file cut
 * by a tool): resume reads every manifest file, so the run cannot go on, and the user is told which file it is and
 * what to do instead of Spark's {@code FAILED_READ_FILE} trace.
 */
final class UnreadableManifest {
    private static final String CONDITION = "FAILED_READ_FILE";

    private UnreadableManifest() {
    }

    /** A bad output naming the unreadable manifest file, if that is what {@code e} is; else null. */
    static JobException of(Throwable e, OutputLayout layout) {
        String manifest = new Path(layout.manifest()).toString() + "/";
        Throwable c = e;
        for (int depth = 0; c != null && depth < 32; depth++, c = c.getCause()) {
            if (c instanceof SparkThrowable st && st.getCondition() != null && st.getCondition().startsWith(CONDITION)) {
                String path = st.getMessageParameters().get("path");
                String file = path == null ? null : new Path(path).toString();
                if (file != null && file.startsWith(manifest)) {
                    String reason = ErrorText.of(JobRunner.rootCause(c)).replace(path, "the file").replace(file, "the file");
                    return new JobException("output " + layout.root() + ": manifest file " + file + " is not a "
                            + "readable Parquet file (" + reason + "); move it out of the output's manifest folder and "
                            + "rerun (rows only it held are made again)", e);
                }
            }
        }
        return null;
    }
}
