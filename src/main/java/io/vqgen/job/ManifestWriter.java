package io.vqgen.job;

import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SaveMode;

/**
 * Appends manifest rows to a run's partition through Spark's Parquet writer and commit protocol. With inline
 * images the files' footers say that the {@code image} column is a Hugging Face {@code Image}, so
 * {@code datasets.load_dataset("parquet", data_files=...)} decodes it as images.
 */
final class ManifestWriter {
    /** datasets' features JSON for the inline image column (the other columns' features it infers itself). */
    static final String IMAGE_FEATURES = "{\"info\": {\"features\": {\"image\": {\"_type\": \"Image\"}}}}";

    private ManifestWriter() {
    }

    static void append(Dataset<Row> rows, String partition, boolean inlineImages) {
        var writer = rows.write().mode(SaveMode.Append);
        if (inlineImages) {
            writer = writer.format(HfParquetFileFormat.class.getName())
                    .option(HfParquetFileFormat.FEATURES_OPTION, IMAGE_FEATURES);
        } else {
            writer = writer.format("parquet");
        }
        writer.save(partition);
    }
}
