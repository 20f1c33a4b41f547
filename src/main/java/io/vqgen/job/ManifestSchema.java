package io.vqgen.job;

import io.vqgen.pipeline.GenerationSetting;
import io.vqgen.pipeline.NoiseMode;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;

/**
 * The manifest's columns as written by a task. {@code run_id} is not among them: it is the partition
 * ({@code manifest/run_id=<id>/}) and appears as the last column when {@code <output>/manifest/} is read.
 * <p>
 * Where an image is: {@code image_uri} is the object holding it (its PNG, or its webdataset shard), {@code file_name}
 * the same relative to the output root; in a shard, {@code shard_member} is the tar member and {@code shard_offset}
 * where its {@code image_bytes} bytes start. {@code task_attempt} is the Spark task attempt that wrote (and committed)
 * the row: a shard is moved from that attempt's staging file into {@code shards/} ({@link ShardCommit}).
 */
public final class ManifestSchema {
    public static final String OK = "ok";
    public static final String ERROR = "error";

    /**
     * The inline image column's type: Hugging Face datasets' {@code Image} feature as it stores it in Arrow and
     * Parquet, {@code struct<bytes: binary, path: string>} in this order (datasets' {@code Image.pa_type}).
     */
    public static final StructType IMAGE = new StructType()
            .add("bytes", DataTypes.BinaryType)
            .add("path", DataTypes.StringType);

    private ManifestSchema() {
    }

    public static StructType of(boolean inlineImages) {
        StructType s = new StructType()
                .add("id", DataTypes.StringType)
                .add("image_index", DataTypes.IntegerType)
                .add("prompt", DataTypes.StringType)
                .add(PlannedRow.CLASS_LABEL, DataTypes.IntegerType)
                .add(GenerationSetting.SEED.key(), DataTypes.LongType)
                .add("tokens", DataTypes.createArrayType(DataTypes.IntegerType, false))
                .add("token_height", DataTypes.IntegerType)
                .add("token_width", DataTypes.IntegerType)
                .add("image_uri", DataTypes.StringType)
                .add("file_name", DataTypes.StringType)
                .add("shard_member", DataTypes.StringType)
                .add("shard_offset", DataTypes.LongType)
                .add("image_bytes", DataTypes.IntegerType)
                .add("width", DataTypes.IntegerType)
                .add("height", DataTypes.IntegerType)
                .add("model", DataTypes.StringType)
                .add("model_fingerprint", DataTypes.StringType)
                .add("sampler", DataTypes.StringType);
        for (GenerationSetting setting : GenerationSetting.sampling()) {
            s = s.add(setting.key(), columnType(setting));
        }
        s = s.add("status", DataTypes.StringType, false)
                .add("error", DataTypes.StringType)
                .add("elapsed_ms", DataTypes.LongType)
                .add("task_attempt", DataTypes.LongType)
                .add(PromptPlan.CREATED_AT, DataTypes.TimestampType);
        return inlineImages ? s.add("image", IMAGE) : s;
    }

    /** The manifest column type of a setting's values. */
    static DataType columnType(GenerationSetting setting) {
        return switch (setting.type()) {
            case INT -> DataTypes.IntegerType;
            case LONG -> DataTypes.LongType;
            case DOUBLE -> DataTypes.DoubleType;
            case CHOICE -> DataTypes.StringType;
        };
    }

    /** A sampling setting's value as its manifest column holds it (a choice by its label). */
    static Object columnValue(Object value) {
        return value instanceof NoiseMode mode ? mode.label() : value;
    }
}
