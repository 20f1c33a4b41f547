package io.vqgen.job;

import org.apache.hadoop.conf.Configuration;
import org.apache.spark.sql.execution.datasources.parquet.ParquetWriteSupport;

import java.util.HashMap;
import java.util.Map;

/** Spark's Parquet row writer with the {@code huggingface} footer entry that {@link HfParquetFileFormat} asks for. */
public class HfParquetWriteSupport extends ParquetWriteSupport {
    /** Hadoop configuration key of the features JSON. */
    static final String FEATURES = "vqgen.parquet.huggingface";
    /** The footer key datasets reads. */
    static final String METADATA_KEY = "huggingface";

    @Override
    public WriteContext init(Configuration conf) {
        WriteContext spark = super.init(conf);
        String features = conf.get(FEATURES);
        if (features == null) {
            return spark;
        }
        Map<String, String> extra = new HashMap<>(spark.getExtraMetaData());
        extra.put(METADATA_KEY, features);
        return new WriteContext(spark.getSchema(), extra);
    }
}
