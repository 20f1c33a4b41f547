package io.vqgen.job;

import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DecimalType;
import org.apache.spark.sql.types.DoubleType;
import org.apache.spark.sql.types.FloatType;
import org.apache.spark.sql.types.IntegralType;
import org.apache.spark.sql.types.StringType;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;

import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * The prompt table's columns, checked before anything is loaded: the id column (string or an integer type),
 * the prompt column (string), and the optional per-row overrides, each with the type it must have.
 */
final class InputSchema {
    enum Kind {
        INTEGER("an integer type (tinyint, smallint, int or bigint)"),
        NUMBER("a number (an integer, float, double or decimal type)");

        final String expected;

        Kind(String expected) {
            this.expected = expected;
        }

        boolean accepts(DataType t) {
            return t instanceof IntegralType
                    || (this == NUMBER && (t instanceof FloatType || t instanceof DoubleType || t instanceof DecimalType));
        }
    }

    /** Optional columns that override the job's setting for their row. */
    static final Map<String, Kind> OVERRIDES;

    static {
        Map<String, Kind> m = new LinkedHashMap<>();
        m.put("seed", Kind.INTEGER);
        m.put("num_images", Kind.INTEGER);
        m.put("steps", Kind.INTEGER);
        m.put("guidance_scale", Kind.NUMBER);
        m.put("truncation_rate", Kind.NUMBER);
        m.put("infer_speed", Kind.NUMBER);
        m.put("prior_rule", Kind.INTEGER);
        m.put("prior_weight", Kind.NUMBER);
        OVERRIDES = Collections.unmodifiableMap(m);
    }

    private InputSchema() {
    }

    static void check(StructType schema, JobConfig config, String input) {
        String columns = Arrays.stream(schema.fields()).map(f -> f.name() + " " + f.dataType().simpleString())
                .collect(Collectors.joining(", "));
        StructField id = required(schema, config.idColumn(), "id_column", "ids", input, columns);
        if (!(id.dataType() instanceof StringType || id.dataType() instanceof IntegralType)) {
            throw wrongType(input, id, "string (or an integer type)");
        }
        StructField prompt = required(schema, config.promptColumn(), "prompt_column", "prompts", input, columns);
        if (!(prompt.dataType() instanceof StringType)) {
            throw wrongType(input, prompt, "string");
        }
        for (StructField f : schema.fields()) {
            Kind kind = OVERRIDES.get(f.name());
            if (kind != null && !kind.accepts(f.dataType())) {
                throw wrongType(input, f, kind.expected);
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
