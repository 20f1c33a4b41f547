package io.vqgen.job;

import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.Path;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.api.java.UDF1;
import org.apache.spark.sql.functions;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.storage.StorageLevel;
import org.apache.spark.util.SerializableConfiguration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.FileNotFoundException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Arrays;
import java.util.List;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.not;
import static org.apache.spark.sql.functions.struct;
import static org.apache.spark.sql.functions.udf;

/**
 * {@code verify_outputs=true}: before resuming, check that every image the manifest holds as {@code ok} is still
 * there with its size (a PNG object of {@code image_bytes}, or a shard long enough to hold its member), in the
 * executors, a file-status call per image. Images that are missing or cut short are made again; without it, resume
 * trusts the manifest.
 */
final class OutputVerifier {
    private static final Logger LOG = LoggerFactory.getLogger(OutputVerifier.class);
    private static final String PRESENT = "_vqgen_present";

    private OutputVerifier() {
    }

    /** The ok rows whose images are present; says how many are not (with a few examples). */
    static Dataset<Row> present(SparkSession spark, Dataset<Row> ok, Configuration hadoopConf, String runId) {
        Broadcast<SerializableConfiguration> conf = SerializableConfiguration.broadcast(spark.sparkContext(), hadoopConf);
        // one file-status call per image: the verdict is computed once and kept with the row
        Dataset<Row> checked = ok.withColumn(PRESENT, udf((UDF1<Row, Boolean>) r -> stored(r, conf.value().value()),
                        DataTypes.BooleanType).apply(struct(Arrays.stream(ok.columns()).map(functions::col)
                        .toArray(Column[]::new))))
                .persist(StorageLevel.MEMORY_AND_DISK());
        Dataset<Row> missing = checked.filter(not(col(PRESENT)));
        long count = missing.count();
        if (count > 0) {
            List<String> examples = missing.limit(5).collectAsList().stream()
                    .map(r -> "'" + r.getAs("id") + "' image " + r.getAs("image_index") + " (" + r.getAs("image_uri") + ")")
                    .toList();
            LOG.warn("run {}: verify_outputs: {} image(s) the manifest holds as ok are missing or incomplete, e.g. {}; "
                    + "making them again", runId, count, String.join(", ", examples));
        } else {
            LOG.info("run {}: verify_outputs: every ok image is in place", runId);
        }
        return checked.filter(col(PRESENT)).drop(PRESENT);
    }

    private static boolean stored(Row r, Configuration conf) {
        String uri = r.getAs("image_uri");
        if (uri == null) {
            return false;
        }
        Integer bytes = r.getAs("image_bytes");
        Long offset = r.getAs("shard_offset");
        try {
            Path path = new Path(uri);
            FileStatus status = path.getFileSystem(conf).getFileStatus(path);
            if (bytes == null) {
                return status.getLen() > 0;
            }
            return offset == null ? status.getLen() == bytes : status.getLen() >= offset + bytes;
        } catch (FileNotFoundException e) {
            return false;
        } catch (IOException e) {
            throw new UncheckedIOException("verify_outputs: cannot check " + uri, e);
        }
    }
}
