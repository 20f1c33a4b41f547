package io.vqgen.captions;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * MSCOCO caption annotations ({@code captions_train2014.json}, {@code captions_val2014.json}): an object with an
 * {@code annotations} array of {@code {id, image_id, caption}} and an optional {@code images} array of
 * {@code {id, file_name, ...}}. Rows: id = annotation id, prompt = caption, {@code image_id}, and
 * {@code file_name} when the file lists images. Read as a stream, so the 400k-caption train file needs no tree.
 */
public final class CocoCaptionsReader implements CaptionReader {
    static final String EXPECTED = "MSCOCO caption annotations: {\"annotations\": [{\"id\": .., \"image_id\": .., \"caption\": \"..\"}]}";

    private static final ObjectMapper JSON = new ObjectMapper();

    private record Annotation(long id, long imageId, String caption, String where) {
    }

    @Override
    public CaptionTable read(Path file) {
        SourceFile.checkReadable(file);
        List<Annotation> annotations = null;
        Map<Long, String> fileNames = null;
        try (JsonParser p = JSON.createParser(file.toFile())) {
            if (p.nextToken() != JsonToken.START_OBJECT) {
                throw new CaptionsException(file + ": " + (p.currentToken() == null ? "empty file"
                        : "holds " + kind(p.currentToken())) + ", expected " + EXPECTED);
            }
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String field = p.currentName();
                p.nextToken();
                switch (field) {
                    case "annotations" -> annotations = readAnnotations(file, p);
                    case "images" -> fileNames = readImages(file, p);
                    default -> p.skipChildren();
                }
            }
        } catch (JsonProcessingException e) {
            throw new CaptionsException(file + ": malformed JSON at " + at(e.getLocation()) + ": "
                    + e.getOriginalMessage().lines().findFirst().orElse(""), e);
        } catch (IOException e) {
            throw new CaptionsException(file + ": cannot read: " + e.getMessage(), e);
        }
        if (annotations == null) {
            throw new CaptionsException(file + ": no 'annotations' array, expected " + EXPECTED);
        }
        return toTable(file, annotations, fileNames);
    }

    private static List<Annotation> readAnnotations(Path file, JsonParser p) throws IOException {
        expectArray(file, p, "annotations");
        List<Annotation> out = new ArrayList<>();
        for (int i = 0; p.nextToken() != JsonToken.END_ARRAY; i++) {
            String where = "annotations[" + i + "] (" + at(p.currentTokenLocation()) + ")";
            JsonNode a = p.readValueAsTree();
            if (!a.isObject()) {
                throw new CaptionsException(file + ": " + where + ": expected an object {id, image_id, caption}");
            }
            out.add(new Annotation(wholeNumber(file, a, "id", where), wholeNumber(file, a, "image_id", where),
                    text(file, a, "caption", where), where));
        }
        return out;
    }

    private static Map<Long, String> readImages(Path file, JsonParser p) throws IOException {
        expectArray(file, p, "images");
        Map<Long, String> out = new HashMap<>();
        for (int i = 0; p.nextToken() != JsonToken.END_ARRAY; i++) {
            String where = "images[" + i + "] (" + at(p.currentTokenLocation()) + ")";
            JsonNode image = p.readValueAsTree();
            if (!image.isObject()) {
                throw new CaptionsException(file + ": " + where + ": expected an object {id, file_name, ...}");
            }
            out.put(wholeNumber(file, image, "id", where), text(file, image, "file_name", where));
        }
        return out;
    }

    private static CaptionTable toTable(Path file, List<Annotation> annotations, Map<Long, String> fileNames) {
        List<Column> columns = new ArrayList<>(List.of(new Column("image_id", ColumnType.LONG)));
        if (fileNames != null && !fileNames.isEmpty()) {
            columns.add(new Column("file_name", ColumnType.STRING));
        }
        CaptionTable.Builder rows = new CaptionTable.Builder(file.toString());
        for (Annotation a : annotations) {
            List<Object> extras = columns.size() == 1 ? Arrays.asList(a.imageId())
                    : Arrays.asList(a.imageId(), fileNames.get(a.imageId()));
            rows.add(Long.toString(a.id()), a.caption(), extras, a.where());
        }
        return rows.build(columns, EXPECTED);
    }

    private static void expectArray(Path file, JsonParser p, String field) throws IOException {
        if (p.currentToken() != JsonToken.START_ARRAY) {
            throw new CaptionsException(file + ": '" + field + "' at " + at(p.currentTokenLocation())
                    + " is " + kind(p.currentToken()) + ", expected an array");
        }
    }

    private static long wholeNumber(Path file, JsonNode node, String field, String where) {
        JsonNode v = node.get(field);
        if (v == null || !v.canConvertToExactIntegral() || !v.canConvertToLong()) {
            throw new CaptionsException(file + ": " + where + ": " + describe(v, field) + ", expected a whole number");
        }
        return v.asLong();
    }

    private static String text(Path file, JsonNode node, String field, String where) {
        JsonNode v = node.get(field);
        if (v == null || !v.isTextual()) {
            throw new CaptionsException(file + ": " + where + ": " + describe(v, field) + ", expected a string");
        }
        return v.asText();
    }

    private static String describe(JsonNode v, String field) {
        return v == null ? "missing '" + field + "'" : "'" + field + "' is " + v.getNodeType().name().toLowerCase();
    }

    private static String kind(JsonToken token) {
        return switch (token) {
            case START_OBJECT -> "an object";
            case START_ARRAY -> "an array";
            case VALUE_STRING -> "a string";
            case VALUE_NUMBER_INT, VALUE_NUMBER_FLOAT -> "a number";
            case VALUE_TRUE, VALUE_FALSE -> "a boolean";
            default -> token.name().toLowerCase();
        };
    }

    static String at(JsonLocation loc) {
        return "line " + loc.getLineNr() + ", column " + loc.getColumnNr();
    }
}
