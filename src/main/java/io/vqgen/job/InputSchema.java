package io.vqgen.job;

import io.vqgen.pipeline.GenerationSetting;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DecimalType;
import org.apache.spark.sql.types.DoubleType;
import org.apache.spark.sql.types.FloatType;
import org.apache.spark.sql.types.IntegralType;
import org.apache.spark.sql.types.StringType;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;

import java.util.Arrays;
import java.util.stream.Collectors;

/**
 * The prompt table's columns, checked before anything is loaded: the id column (string or an integer type),
 * the prompt column (string), and the optional per-row overrides ({@link GenerationSetting#columns()}), each with
 * the type it must have.
 */
final class InputSchema {
    private InputSchema() {
    }

    /** Whether a column of this type can hold the setting's values (any integer type; any number for decimals). */
    static boolean accepts(GenerationSetting setting, DataType t) {
        return t instanceof IntegralType || (setting.type() == GenerationSetting.Type.DOUBLE
                && (t instanceof FloatType || t instanceof DoubleType || t instanceof DecimalType));
    }

    static String expected(GenerationSetting setting) {
        return setting.type() == GenerationSetting.Type.DOUBLE
                ? "a number (an integer, float, double or decimal type)"
                : "an integer type (tinyint, smallint, int or bigint)";
    }

    /**
     * @param classConditional the model draws class labels (a {@code class_label_column}, integer), not prompts
     */
    static void check(StructType schema, JobConfig config, String input, boolean classConditional) {
        String columns = Arrays.stream(schema.fields()).map(f -> f.name() + " " + f.dataType().simpleString())
                .collect(Collectors.joining(", "));
        StructField id = required(schema, config.idColumn(), "id_column", "ids", input, columns);
        if (!(id.dataType() instanceof StringType || id.dataType() instanceof IntegralType)) {
            throw wrongType(input, id, "string (or an integer type)");
        }
        if (classConditional) {
            StructField label = required(schema, config.classLabelColumn(), "class_label_column",
                    "class labels of the class-conditional model", input, columns);
            if (!(label.dataType() instanceof IntegralType)) {
                throw wrongType(input, label, "an integer type (a class label)");
            }
        } else {
            StructField prompt = required(schema, config.promptColumn(), "prompt_column", "prompts", input, columns);
            if (!(prompt.dataType() instanceof StringType)) {
                throw wrongType(input, prompt, "string");
            }
        }
        for (StructField f : schema.fields()) {
            GenerationSetting setting = GenerationSetting.byKey(f.name());
            if (setting != null && setting.isColumn() && !accepts(setting, f.dataType())) {
                throw wrongType(input, f, expected(setting));
            }
        }
    }
    private static StructField required(StructType schema, String name, String key, String what, String input,
                                        String columns) {
        return Arrays.stream(schema.fields()).filter(f -> f.name().equals(name)).findFirst()
                .orElseThrow(() -> new JobException("input " + input + ": column '" + name + "' not found (columns: "
                        + columns + "); set " + key + " to the column that holds the " + what));
    }

    private static JobException wrongType(String input, StructField f, String expected) {
        return new JobException("input " + input + ": column '" + f.name() + "' has type "
                + f.dataType().simpleString() + ", expected " + expected);
    }
}
