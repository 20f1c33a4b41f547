package io.vqgen.job;

import com.fasterxml.jackson.databind.JsonNode;
import io.vqgen.pipeline.GenerationSetting;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.apache.hadoop.conf.Configuration;
import org.apache.parquet.example.data.Group;
import org.apache.parquet.example.data.simple.SimpleGroupFactory;
import org.apache.parquet.hadoop.ParquetFileWriter;
import org.apache.parquet.hadoop.ParquetWriter;
import org.apache.parquet.hadoop.example.ExampleParquetWriter;
import org.apache.parquet.hadoop.metadata.CompressionCodecName;
import org.apache.parquet.io.LocalOutputFile;
import org.apache.parquet.schema.LogicalTypeAnnotation;
import org.apache.parquet.schema.MessageType;
import org.apache.parquet.schema.PrimitiveType.PrimitiveTypeName;
import org.apache.parquet.schema.Types;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Writes a prompts table (one Parquet file) from JSON lines such as
 * {@code {"id": "cat-1", "prompt": "a cat on a sofa", "seed": 7}}. Fields: {@code id} and {@code prompt}
 * (strings) and the optional per-row overrides the job reads; a column is written when any line has the field.
 * Values are written as given, null and out-of-range ones included, so bad rows can be made on purpose. The
 * same JSONL always gives the same schema, rows and layout; the bytes may still differ between JVM runs in one
 * place, the order in which parquet-mr lists a column chunk's encodings (it iterates a hash set of enums).
 */
public final class PromptsFile {
    private enum Type { STRING, INT64, INT32, DOUBLE }

    /** id, prompt, class_label (class-conditional models), then the per-row override columns of {@link GenerationSetting}. */
    private static final Map<String, Type> FIELDS = new LinkedHashMap<>();

    static {
        FIELDS.put("id", Type.STRING);
        FIELDS.put("prompt", Type.STRING);
        FIELDS.put("class_label", Type.INT64);
        for (GenerationSetting setting : GenerationSetting.columns()) {
            FIELDS.put(setting.key(), switch (setting.type()) {
                case INT -> Type.INT32;
                case LONG -> Type.INT64;
                case DOUBLE -> Type.DOUBLE;
                case CHOICE -> throw new IllegalStateException(setting + " is not a column");
            });
        }
    }

    private PromptsFile() {
    }

    /** @return the number of rows written */
    public static int convert(Path jsonl, Path parquet) {
        List<JsonNode> rows = read(jsonl);
        List<String> columns = FIELDS.keySet().stream()
                .filter(f -> rows.stream().anyMatch(r -> r.has(f))).toList();
        Types.MessageTypeBuilder builder = Types.buildMessage();
        for (String c : columns) {
            switch (FIELDS.get(c)) {
                case STRING -> builder.optional(PrimitiveTypeName.BINARY).as(LogicalTypeAnnotation.stringType()).named(c);
                case INT64 -> builder.optional(PrimitiveTypeName.INT64).named(c);
                case INT32 -> builder.optional(PrimitiveTypeName.INT32).named(c);
                case DOUBLE -> builder.optional(PrimitiveTypeName.DOUBLE).named(c);
            }
        }
        MessageType schema = builder.named("prompts");
        SimpleGroupFactory groups = new SimpleGroupFactory(schema);
        try (ParquetWriter<Group> writer = ExampleParquetWriter.builder(new LocalOutputFile(parquet))
                .withConf(new Configuration(false))
                .withType(schema)
                .withWriteMode(ParquetFileWriter.Mode.OVERWRITE)
                .withCompressionCodec(CompressionCodecName.UNCOMPRESSED)
                .build()) {
            for (JsonNode row : rows) {
                Group g = groups.newGroup();
                for (String c : columns) {
                    JsonNode v = row.get(c);
                    if (v == null || v.isNull()) {
                        continue;
                    }
                    switch (FIELDS.get(c)) {
                        case STRING -> g.append(c, v.textValue());
                        case INT64 -> g.append(c, v.longValue());
                        case INT32 -> g.append(c, v.intValue());
                        case DOUBLE -> g.append(c, v.doubleValue());
                    }
                }
                writer.write(g);
            }
        } catch (IOException e) {
            throw new JobException(parquet + ": cannot write (" + ErrorText.of(e) + ")", e);
        }
        return rows.size();
    }

    private static List<JsonNode> read(Path jsonl) {
        List<String> lines;
        try {
            lines = Files.readAllLines(jsonl, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new JobException(jsonl + ": cannot read (" + ErrorText.of(e) + ")", e);
        }
        ObjectMapper json = new ObjectMapper();
        List<JsonNode> rows = new ArrayList<>();
        for (int i = 0; i < lines.size(); i++) {
            if (lines.get(i).isBlank()) {
                continue;
            }
            String where = jsonl + ":" + (i + 1);
            JsonNode row;
            try {
                row = json.readTree(lines.get(i));
            } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
                throw new JobException(where + ": not valid JSON (" + e.getOriginalMessage() + ")");
            }
            if (row == null || !row.isObject()) {
                throw new JobException(where + ": expected a JSON object per line");
            }
            for (Iterator<Map.Entry<String, JsonNode>> it = row.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> f = it.next();
                checkField(where, f.getKey(), f.getValue());
            }
            rows.add(row);
        }
        return rows;
    }

    private static void checkField(String where, String name, JsonNode v) {
        Type type = FIELDS.get(name);
        if (type == null) {
            throw new JobException(where + ": unknown field '" + name + "' (known: " + String.join(", ", FIELDS.keySet()) + ")");
        }
        boolean fits = v.isNull() || switch (type) {
            case STRING -> v.isTextual();
            case INT64 -> v.isIntegralNumber() && v.canConvertToLong();
            case INT32 -> v.isIntegralNumber() && v.canConvertToInt();
            case DOUBLE -> v.isNumber();
        };
        if (!fits) {
            String expected = switch (type) {
                case STRING -> "a string";
                case INT64 -> "a 64-bit integer";
                case INT32 -> "a 32-bit integer";
                case DOUBLE -> "a number";
            };
            throw new JobException(where + ": field '" + name + "' must be " + expected + " or null, got " + v);
        }
    }
}
