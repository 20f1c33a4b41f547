package io.vqgen.captions;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.BufferedReader;
import java.io.IOException;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * JSON Lines: one object per line (blank lines skipped). The caption and id fields are chosen by
 * {@link ColumnChoice} from the first object's fields; without an id field the id is the 1-based line number.
 * Other fields become columns typed from their JSON values (whole numbers → long, numbers → double, booleans,
 * otherwise text), except the job's override fields ({@code seed}, {@code num_images}, ...), which get the job's
 * types.
 */
public final class JsonlCaptionsReader implements CaptionReader {
    static final String EXPECTED = "JSON Lines: one object per line with a caption field";

    private static final ObjectMapper JSON = new ObjectMapper();

    private final String idField;
    private final String textField;

    private record Line(int number, JsonNode object) {
    }

    /** Null arguments take {@link ColumnChoice}'s defaults. */
    public JsonlCaptionsReader(String idField, String textField) {
        this.idField = idField;
        this.textField = textField;
    }

    @Override
    public CaptionTable read(Path file) {
        SourceFile.checkReadable(file);
        List<Line> lines = parseLines(file);
        if (lines.isEmpty()) {
            throw new CaptionsException(file + ": no captions found (expected " + EXPECTED + ")");
        }
        List<String> firstFields = new ArrayList<>();
        lines.get(0).object().fieldNames().forEachRemaining(firstFields::add);
        ColumnChoice choice = ColumnChoice.resolve(file, firstFields, idField, textField);
        List<Column> columns = extraColumns(file, lines, choice);

        CaptionTable.Builder rows = new CaptionTable.Builder(file.toString());
        for (Line line : lines) {
            String where = "line " + line.number();
            List<Object> extras = new ArrayList<>(columns.size());
            for (Column c : columns) {
                extras.add(value(file, where, c, line.object().get(c.name())));
            }
            rows.add(id(file, where, line, choice), caption(file, where, line.object(), choice.textColumn()), extras, where);
        }
        return rows.build(columns, EXPECTED);
    }

    private static List<Line> parseLines(Path file) {
        List<Line> out = new ArrayList<>();
        int number = 0;
        try (BufferedReader in = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            for (String text = in.readLine(); text != null; text = in.readLine()) {
                number++;
                if (number == 1) {
                    text = SourceFile.stripBom(text);
                }
                if (text.isBlank()) {
                    continue;
                }
                JsonNode node;
                try {
                    node = JSON.readTree(text);
                } catch (JsonProcessingException e) {
                    throw new CaptionsException(file + ": malformed JSON at line " + number + ", column "
                            + e.getLocation().getColumnNr() + ": " + e.getOriginalMessage().lines().findFirst().orElse(""));
                }
                if (!node.isObject()) {
                    throw new CaptionsException(file + ": line " + number + ": " + node.getNodeType().name().toLowerCase()
                            + ", expected an object (" + EXPECTED + ")");
                }
                out.add(new Line(number, node));
            }
        } catch (CharacterCodingException e) {
            throw SourceFile.notUtf8(file);
        } catch (IOException e) {
            throw new CaptionsException(file + ": cannot read: " + e.getMessage(), e);
        }
        return out;
    }

    /** Every field other than id and caption, in order of first appearance, typed over all lines. */
    private static List<Column> extraColumns(Path file, List<Line> lines, ColumnChoice choice) {
        Map<String, ColumnType> types = new LinkedHashMap<>();
        for (Line line : lines) {
            line.object().fields().forEachRemaining(f -> {
                if (choice.isExtra(f.getKey())) {
                    if (f.getKey().isEmpty()) {
                        throw new CaptionsException(file + ": line " + line.number()
                                + ": a field with an empty name (every field becomes a column and needs a name)");
                    }
                    types.put(f.getKey(), widen(types.get(f.getKey()), typeOf(f.getValue())));
                }
            });
        }
        List<Column> out = new ArrayList<>();
        types.forEach((name, inferred) -> {
            ColumnType override = OverrideColumns.typeOf(name);
            out.add(new Column(name, override != null ? override : inferred == null ? ColumnType.STRING : inferred));
        });
        return out;
    }

    /** The column type a JSON value suggests; null for JSON null, which fits any type. */
    private static ColumnType typeOf(JsonNode v) {
        if (v.isNull()) {
            return null;
        }
        if (v.isIntegralNumber() && v.canConvertToLong()) {
            return ColumnType.LONG;
        }
        if (v.isNumber()) {
            return ColumnType.DOUBLE;
        }
        return v.isBoolean() ? ColumnType.BOOLEAN : ColumnType.STRING;
    }

    private static ColumnType widen(ColumnType a, ColumnType b) {
        if (a == null || a == b) {
            return b;
        }
        if (b == null) {
            return a;
        }
        boolean numbers = (a == ColumnType.LONG || a == ColumnType.DOUBLE) && (b == ColumnType.LONG || b == ColumnType.DOUBLE);
        return numbers ? ColumnType.DOUBLE : ColumnType.STRING;
    }

    private static Object value(Path file, String where, Column c, JsonNode v) {
        if (v == null || v.isNull()) {
            return null;
        }
        return switch (c.type()) {
            case STRING -> v.isTextual() ? v.asText() : v.toString();
            case BOOLEAN -> v.asBoolean();
            case DOUBLE -> {
                if (!v.isNumber()) {
                    throw wrongType(file, where, c, v);
                }
                yield v.asDouble();
            }
            case LONG -> {
                if (!v.canConvertToExactIntegral() || !v.canConvertToLong()) {
                    throw wrongType(file, where, c, v);
                }
                yield v.asLong();
            }
            case INT -> {
                if (!v.canConvertToExactIntegral() || !v.canConvertToInt()) {
                    throw wrongType(file, where, c, v);
                }
                yield v.asInt();
            }
        };
    }

    private static CaptionsException wrongType(Path file, String where, Column c, JsonNode v) {
        return new CaptionsException(file + ": " + where + ": field '" + c.name() + "' is " + v
                + ", expected " + OverrideColumns.describe(c.type()));
    }

    private static String id(Path file, String where, Line line, ColumnChoice choice) {
        if (choice.idColumn() == null) {
            return Integer.toString(line.number());
        }
        JsonNode v = line.object().get(choice.idColumn());
        if (v == null || v.isNull()) {
            throw new CaptionsException(file + ": " + where + ": missing '" + choice.idColumn() + "' (the id field)");
        }
        if (v.isTextual() || (v.canConvertToExactIntegral() && v.canConvertToLong())) {
            return v.isTextual() ? v.asText().strip() : Long.toString(v.asLong());
        }
        throw new CaptionsException(file + ": " + where + ": id field '" + choice.idColumn() + "' is " + v
                + ", expected a string or a whole number");
    }

    private static String caption(Path file, String where, JsonNode object, String field) {
        JsonNode v = object.get(field);
        if (v == null || v.isNull()) {
            throw new CaptionsException(file + ": " + where + ": missing '" + field + "' (the caption field)");
        }
        if (!v.isTextual()) {
            throw new CaptionsException(file + ": " + where + ": caption field '" + field + "' is " + v
                    + ", expected a string");
        }
        return v.asText();
    }
}
