package io.vqgen.job;

import org.apache.hadoop.mapreduce.Job;
import org.apache.parquet.hadoop.ParquetOutputFormat;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.execution.datasources.OutputWriterFactory;
import org.apache.spark.sql.execution.datasources.parquet.ParquetFileFormat;
import org.apache.spark.sql.types.StructType;
import scala.Option;

/**
 * Spark's Parquet writer, plus one key-value entry in each file's footer: {@code huggingface}, the features JSON
 * Hugging Face datasets reads from a Parquet schema ({@code Features.from_arrow_schema}) to decode a column as
 * images rather than as a plain struct. Everything else (the files, the commit protocol, reading) is Spark's own;
 * {@link ManifestWriter} uses it as {@code write().format(HfParquetFileFormat.class.getName())}.
 */
public class HfParquetFileFormat extends ParquetFileFormat {
    /** The write option holding the features JSON; without it the files are Spark's, byte for byte. */
    static final String FEATURES_OPTION = "vqgen.huggingface.features";

    @Override
    public OutputWriterFactory prepareWrite(SparkSession spark, Job job,
                                            scala.collection.immutable.Map<String, String> options,
                                            StructType dataSchema) {
        OutputWriterFactory factory = super.prepareWrite(spark, job, options, dataSchema);
        Option<String> features = options.get(FEATURES_OPTION);
        if (features.isDefined()) {
            job.getConfiguration().set(ParquetOutputFormat.WRITE_SUPPORT_CLASS, HfParquetWriteSupport.class.getName());
            job.getConfiguration().set(HfParquetWriteSupport.FEATURES, features.get());
        }
        return factory;
    }
}
