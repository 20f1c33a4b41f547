package io.vqgen.job;

import io.vqgen.pipeline.GenerationSetting;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.expressions.Window;
import org.apache.spark.sql.types.DataTypes;

import java.util.ArrayList;
import java.util.List;

import static org.apache.spark.sql.functions.array_except;
import static org.apache.spark.sql.functions.coalesce;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.collect_set;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.min;
import static org.apache.spark.sql.functions.not;
import static org.apache.spark.sql.functions.sequence;
import static org.apache.spark.sql.functions.size;
import static org.apache.spark.sql.functions.struct;
import static org.apache.spark.sql.functions.when;

/**
 * The driver's plan: the prompt table normalised to {@link PlannedRow}'s columns, each row tagged with its
 * place in input order and its id's first place, and with the image indices the manifest already holds as
 * {@code ok}, and {@value #TODO}: false for rows whose every image is done.
 * <p>
 * Input order is (file path, row index within the file) from Spark's {@code _metadata} columns: it follows the
 * files, not how Spark happens to split or schedule them, so "the first row of an id" is the same on every run.
 */
final class PromptPlan {
    /** The manifest columns resume needs, read with this schema whatever else the manifest holds. */
    static final String RESUME_COLUMNS = "id STRING, image_index INT, status STRING";
    /** Whether the row has work left (or must be reported again as an error row). */
    static final String TODO = "todo";

    private PromptPlan() {
    }

    /**
     * @param input   the prompt table as read (schema already checked)
     * @param okImages earlier manifest rows with status ok: columns {@code id}, {@code image_index}
     */
    static Dataset<Row> build(Dataset<Row> input, JobConfig config, Dataset<Row> okImages) {
        List<String> present = List.of(input.schema().fieldNames());
        List<Column> columns = new ArrayList<>();
        columns.add(col(config.idColumn()).cast(DataTypes.StringType).as(PlannedRow.ID));
        columns.add(col(config.promptColumn()).as(PlannedRow.PROMPT));
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

        Dataset<Row> done = okImages.groupBy(PlannedRow.ID)
                .agg(collect_set(col("image_index")).as(PlannedRow.DONE));
        Dataset<Row> joined = rows.join(done, rows.col(PlannedRow.ID).equalTo(done.col(PlannedRow.ID)), "left")
                .drop(done.col(PlannedRow.ID));

        Column n = coalesce(col(GenerationSetting.NUM_IMAGES.key()), lit((long) config.numImages()));
        Column first = col(PlannedRow.SOURCE_FILE).equalTo(col(PlannedRow.FIRST_FILE))
                .and(col(PlannedRow.SOURCE_ROW).equalTo(col(PlannedRow.FIRST_ROW)));
        Column missing = size(array_except(sequence(lit(0), n.minus(1).cast(DataTypes.IntegerType)), col(PlannedRow.DONE)));
        // Duplicates, rows never done and rows with an invalid count stay: they come out as error rows again.
        Column todo = when(not(first).or(col(PlannedRow.DONE).isNull())
                        .or(not(n.between(1, (long) GenerationSetting.NUM_IMAGES.max()))), lit(true))
                .otherwise(missing.gt(0));
        return joined.withColumn(TODO, todo);
    }
}
