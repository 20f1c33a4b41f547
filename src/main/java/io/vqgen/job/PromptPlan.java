package io.vqgen.job;

import io.vqgen.pipeline.GenerationSetting;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.api.java.UDF2;
import org.apache.spark.sql.expressions.UserDefinedFunction;
import org.apache.spark.sql.expressions.Window;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;

import java.util.ArrayList;
import java.util.List;

import static org.apache.spark.sql.functions.array;
import static org.apache.spark.sql.functions.array_except;
import static org.apache.spark.sql.functions.coalesce;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.collect_set;
import static org.apache.spark.sql.functions.concat;
import static org.apache.spark.sql.functions.concat_ws;
import static org.apache.spark.sql.functions.first;
import static org.apache.spark.sql.functions.hex;
import static org.apache.spark.sql.functions.is_valid_utf8;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.min;
import static org.apache.spark.sql.functions.not;
import static org.apache.spark.sql.functions.row_number;
import static org.apache.spark.sql.functions.sequence;
import static org.apache.spark.sql.functions.size;
import static org.apache.spark.sql.functions.struct;
import static org.apache.spark.sql.functions.sum;
import static org.apache.spark.sql.functions.udf;
import static org.apache.spark.sql.functions.when;

/**
 * The driver's plan: the prompt table normalised to {@link PlannedRow}'s columns, each row tagged with its
 * place in input order and its id's first place, and with the image indices the manifest already holds as
 * {@code ok}, and {@value #TODO}: false for rows whose every image is done. An image counts as done only if it was
 * made as this run would make it: same model fingerprint, seed and sampling settings; the others are conflicts,
 * which stop the run unless it overwrites them.
 * <p>
 * Input order is (file path, row index within the file) from Spark's {@code _metadata} columns: it follows the
 * files, not how Spark happens to split or schedule them, so "the first row of an id" is the same on every run.
 */
final class PromptPlan {
    /** Whether the row has work left (or must be reported again as an error row). */
    static final String TODO = "todo";
    /** Images this run is to make from the row (0 for rows that will be error rows). */
    static final String IMAGES_TODO = "images_todo";
    static final String CREATED_AT = "created_at";
    static final String FINGERPRINT = "model_fingerprint";
    private static final String BASE_SEED = "base_seed";
    private static final String COUNT = "n";
    private static final String EFFECTIVE = "eff_";
    private static final String DIFFERS = "differs_";

    /**
     * The plan: every input row (see {@link PlannedRow}) with {@value #TODO}, and the images the output already holds
     * as ok but made otherwise than this run would make them (another model, seed or sampling setting).
     *
     * @param rows      the planned rows
     * @param conflicts (id, image_index, and per compared value its old and new value where they differ)
     */
    record Plan(Dataset<Row> rows, Dataset<Row> conflicts) {
    }

    private PromptPlan() {
    }

    /** The manifest columns resume reads, with this schema whatever else the manifest holds (absent ones are null). */
    static StructType resumeSchema() {
        StructType s = new StructType()
                .add("id", DataTypes.StringType)
                .add("image_index", DataTypes.IntegerType)
                .add("status", DataTypes.StringType)
                .add(GenerationSetting.SEED.key(), DataTypes.LongType)
                .add(FINGERPRINT, DataTypes.StringType)
                .add(CREATED_AT, DataTypes.TimestampType);
        for (GenerationSetting setting : GenerationSetting.sampling()) {
            s = s.add(setting.key(), ManifestSchema.columnType(setting));
        }
        return s;
    }

    /** Each image's current ok row: the latest ok row of its (id, image index); rows from before created_at count as oldest. */
    static Dataset<Row> currentOk(Dataset<Row> manifest) {
        return manifest.filter(col("status").equalTo(ManifestSchema.OK))
                .withColumn("rank", row_number().over(Window.partitionBy("id", "image_index")
                        .orderBy(col(CREATED_AT).desc_nulls_last())))
                .filter(col("rank").equalTo(1)).drop("rank");
    }

    /**
     * @param input       the prompt table as read (schema already checked)
     * @param ok          each image's current ok row ({@link #currentOk}), with the {@link #resumeSchema()} columns
     * @param fingerprint the fingerprint of the model this run uses
     * @param overwrite   images made otherwise count as not done (they are made again); else they count as done and
     *                    come out as conflicts
     */
    static Plan build(Dataset<Row> input, JobConfig config, Dataset<Row> ok, String fingerprint, boolean overwrite) {
        List<String> present = List.of(input.schema().fieldNames());
        List<Column> columns = new ArrayList<>();
        columns.add(col(config.idColumn()).cast(DataTypes.StringType).as(PlannedRow.ID));
        // Parquet strings are bytes: ids that are not UTF-8 would all decode to U+FFFD and share names and seeds.
        columns.add(when(is_valid_utf8(col(config.idColumn()).cast(DataTypes.StringType)), lit(null))
                .otherwise(hex(col(config.idColumn()).cast(DataTypes.BinaryType))).as(PlannedRow.BAD_ID_BYTES));
        columns.add((present.contains(config.promptColumn()) ? col(config.promptColumn()) : lit(null))
                .cast(DataTypes.StringType).as(PlannedRow.PROMPT));
        columns.add((present.contains(config.classLabelColumn()) ? col(config.classLabelColumn()) : lit(null))
                .cast(DataTypes.LongType).as(PlannedRow.CLASS_LABEL));
        for (GenerationSetting setting : GenerationSetting.columns()) {
            String name = setting.key();
            var type = setting.type() == GenerationSetting.Type.DOUBLE ? DataTypes.DoubleType : DataTypes.LongType;
            columns.add((present.contains(name) ? col(name) : lit(null)).cast(type).as(name));
        }
        columns.add(col("_metadata.file_path").as(PlannedRow.SOURCE_FILE));
        columns.add(col("_metadata.row_index").as(PlannedRow.SOURCE_ROW));

        Dataset<Row> rows = input.select(columns.toArray(Column[]::new))
                .withColumn("first", min(struct(col(PlannedRow.SOURCE_FILE), col(PlannedRow.SOURCE_ROW)))
                        .over(Window.partitionBy(PlannedRow.ID)))
                .withColumn(PlannedRow.FIRST_FILE, col("first." + PlannedRow.SOURCE_FILE))
                .withColumn(PlannedRow.FIRST_ROW, col("first." + PlannedRow.SOURCE_ROW))
                .drop("first");
        Column n = coalesce(col(GenerationSetting.NUM_IMAGES.key()), lit((long) config.numImages()));
        Column first = col(PlannedRow.SOURCE_FILE).equalTo(col(PlannedRow.FIRST_FILE))
                .and(col(PlannedRow.SOURCE_ROW).equalTo(col(PlannedRow.FIRST_ROW)));

        Dataset<Row> compared = compare(rows.filter(first), ok, config, fingerprint);
        Column same = lit(true);
        for (String value : comparedValues()) {
            same = same.and(not(col(DIFFERS + value)));
        }
        Dataset<Row> conflicts = compared.filter(not(same));
        Dataset<Row> doneImages = overwrite ? compared.filter(same) : compared;
        Dataset<Row> done = doneImages.groupBy(PlannedRow.ID).agg(collect_set(col("image_index")).as(PlannedRow.DONE));
        Dataset<Row> joined = rows.join(done, rows.col(PlannedRow.ID).equalTo(done.col(PlannedRow.ID)), "left")
                .drop(done.col(PlannedRow.ID));

        Column missing = size(array_except(sequence(lit(0), n.minus(1).cast(DataTypes.IntegerType)), col(PlannedRow.DONE)));
        // Duplicates, rows never done and rows with an invalid count stay: they come out as error rows again.
        Column todo = when(not(first).or(col(PlannedRow.DONE).isNull())
                        .or(not(n.between(1, (long) GenerationSetting.NUM_IMAGES.max()))), lit(true))
                .otherwise(missing.gt(0));
        Column toMake = size(array_except(sequence(lit(0), n.minus(1).cast(DataTypes.IntegerType)),
                coalesce(col(PlannedRow.DONE), array().cast("array<int>"))));
        return new Plan(joined.withColumn(TODO, todo).withColumn(IMAGES_TODO,
                when(col(TODO).and(first).and(n.between(1, (long) GenerationSetting.NUM_IMAGES.max())), toMake)
                        .otherwise(lit(0))), conflicts);
    }

    /** What an ok image is compared on: the model, its seed and every sampling setting. */
    static List<String> comparedValues() {
        List<String> out = new ArrayList<>(List.of(FINGERPRINT, GenerationSetting.SEED.key()));
        GenerationSetting.sampling().forEach(s -> out.add(s.key()));
        return out;
    }

    /**
     * The ok images of the planned rows (index below the row's count), each with its old and new values and a
     * {@code differs_<value>} flag per compared value. A manifest written before a setting had its column holds null
     * there, read as the setting's default.
     */
    private static Dataset<Row> compare(Dataset<Row> firstRows, Dataset<Row> ok, JobConfig config, String fingerprint) {
        UserDefinedFunction baseSeed = udf((UDF2<Long, String, Long>) (seed, id) ->
                id == null ? null : Seeds.base(seed, config.runSeed(), id), DataTypes.LongType);
        List<Column> planned = new ArrayList<>();
        planned.add(col(PlannedRow.ID));
        planned.add(col(COUNT));
        planned.add(baseSeed.apply(col(GenerationSetting.SEED.key()), col(PlannedRow.ID)).as(BASE_SEED));
        Dataset<Row> withSettings = firstRows.withColumn(COUNT, coalesce(col(GenerationSetting.NUM_IMAGES.key()),
                lit((long) config.numImages())));
        for (GenerationSetting s : GenerationSetting.sampling()) {
            Object jobValue = ManifestSchema.columnValue(config.sampling().get(s));
            Column value = s.isColumn() ? coalesce(col(s.key()).cast(ManifestSchema.columnType(s)), lit(jobValue))
                    : lit(jobValue);
            planned.add(value.cast(ManifestSchema.columnType(s)).as(EFFECTIVE + s.key()));
        }
        Dataset<Row> plan = withSettings.select(planned.toArray(Column[]::new));
        Dataset<Row> images = ok.join(plan, ok.col("id").equalTo(plan.col(PlannedRow.ID)))
                .drop(plan.col(PlannedRow.ID))
                .filter(col("image_index").lt(col(COUNT)));

        images = images.withColumn(EFFECTIVE + FINGERPRINT, lit(fingerprint))
                .withColumn(EFFECTIVE + GenerationSetting.SEED.key(), col(BASE_SEED).plus(col("image_index")));
        for (GenerationSetting s : GenerationSetting.sampling()) {
            images = images.withColumn(s.key(), coalesce(col(s.key()),
                    lit(ManifestSchema.columnValue(s.parse(s.defaultText()))).cast(ManifestSchema.columnType(s))));
        }
        for (String value : comparedValues()) {
            images = images.withColumn(DIFFERS + value, not(col(value).eqNullSafe(col(EFFECTIVE + value))));
        }
        return images;
    }

    /**
     * What the conflicts say, one line per value that differs: {@code steps 100 -> 10 (60 images, e.g. 'a1' image 0)};
     * empty when there are none. Runs one aggregation over the conflicts.
     */
    static List<String> describe(Dataset<Row> conflicts) {
        List<Column> aggs = new ArrayList<>();
        for (String value : comparedValues()) {
            Column differs = col(DIFFERS + value);
            aggs.add(sum(when(differs, 1L).otherwise(0L)).as("count_" + value));
            aggs.add(first(when(differs, concat_ws(" -> ", coalesce(col(value).cast("string"), lit("null")),
                    coalesce(col(EFFECTIVE + value).cast("string"), lit("null")))), true).as("change_" + value));
            aggs.add(first(when(differs, concat(lit("'"), col("id"), lit("' image "), col("image_index"))), true)
                    .as("example_" + value));
        }
        Row r = conflicts.agg(aggs.get(0), aggs.subList(1, aggs.size()).toArray(Column[]::new)).first();
        List<String> out = new ArrayList<>();
        for (String value : comparedValues()) {
            long count = r.isNullAt(r.fieldIndex("count_" + value)) ? 0 : r.getLong(r.fieldIndex("count_" + value));
            if (count > 0) {
                out.add(value + " " + r.getString(r.fieldIndex("change_" + value)) + " (" + count + " image"
                        + (count == 1 ? "" : "s") + ", e.g. " + r.getString(r.fieldIndex("example_" + value)) + ")");
            }
        }
        return out;
    }
}
