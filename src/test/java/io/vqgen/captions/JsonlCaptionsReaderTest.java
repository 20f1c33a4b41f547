package io.vqgen.captions;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class JsonlCaptionsReaderTest {
    @TempDir
    Path dir;

    private Path jsonl(String text) throws IOException {
        return Files.writeString(dir.resolve("captions.jsonl"), text);
    }

    @Test
    void typesExtraFieldsFromTheirValues() throws IOException {
        Path file = jsonl("""
                {"id": 10, "caption": "a red bus", "score": 1, "ok": true, "tags": ["x"], "num_images": 2}

                {"id": "b", "caption": "a blue car", "score": 0.5, "ok": null, "lang": "en", "num_images": 3.0}
                """);
        CaptionTable t = new JsonlCaptionsReader(null, null).read(file);
        assertEquals(List.of(new Column("score", ColumnType.DOUBLE), new Column("ok", ColumnType.BOOLEAN),
                new Column("tags", ColumnType.STRING), new Column("num_images", ColumnType.INT),
                new Column("lang", ColumnType.STRING)), t.columns());
        assertEquals(new Caption("10", "a red bus", Arrays.asList(1.0, true, "[\"x\"]", 2, null)), t.rows().get(0));
        assertEquals(new Caption("b", "a blue car", Arrays.asList(0.5, null, null, 3, "en")), t.rows().get(1));
    }

    @Test
    void withoutIdFieldIdsAreLineNumbers() throws IOException {
        CaptionTable t = new JsonlCaptionsReader(null, "text").read(jsonl("{\"text\": \"one\"}\n\n{\"text\": \"three\"}\n"));
        assertEquals(List.of(Caption.of("1", "one"), Caption.of("3", "three")), t.rows());
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "''|no captions found (expected JSON Lines",
            "{\"prompt\": \"a\"}\\n[1]\\n|line 2: array, expected an object",
            "{\"prompt\": \"a\"}\\n{\"prompt\": \"b\"|malformed JSON at line 2, column 15: Unexpected end-of-input",
            "{\"prompt\": \"a\"}\\n{\"prompt\" \"b\"}|malformed JSON at line 2, column 11: Unexpected character",
            "{\"id\": 1, \"prompt\": \"a\"}\\n{\"id\": 2}|line 2: missing 'prompt' (the caption field)",
            "{\"id\": 1, \"prompt\": \"a\"}\\n{\"id\": 2, \"prompt\": 5}|line 2: caption field 'prompt' is 5, expected a string",
            "{\"id\": 1, \"prompt\": \"a\"}\\n{\"prompt\": \"b\"}|line 2: missing 'id' (the id field)",
            "{\"id\": 1.5, \"prompt\": \"a\"}|line 1: id field 'id' is 1.5, expected a string or a whole number",
            "{\"id\": 1, \"prompt\": \"a\"}\\n{\"id\": \"1\", \"prompt\": \"b\"}|line 2: duplicate id '1' (first at line 1)",
            "{\"id\": 1, \"prompt\": \"a\", \"seed\": \"7\"}|line 1: field 'seed' is \"7\", expected a whole number (64-bit)",
            "{\"id\": 1, \"prompt\": \"a\", \"guidance_scale\": true}|line 1: field 'guidance_scale' is true, expected a number",
            "{\"title\": \"a\"}|no caption column: none of [prompt, caption, text] in [title]"})
    void refusesBadFiles(String text, String expected) throws IOException {
        Path file = jsonl(text.replace("\\n", "\n"));
        CaptionsException e = assertThrows(CaptionsException.class, () -> new JsonlCaptionsReader(null, null).read(file));
        assertTrue(e.getMessage().startsWith(file + ": "), e.getMessage());
        assertTrue(e.getMessage().contains(expected), e.getMessage());
        assertEquals(1, e.getMessage().lines().count(), e.getMessage());
    }

    @Test
    void refusesInvalidUtf8() throws IOException {
        Path file = Files.write(dir.resolve("bad.jsonl"), new byte[] {'{', '"', 'p', (byte) 0xC3, '"', '}', '\n'});
        assertEquals(file + ": not UTF-8 text (bad byte at line 1, byte offset 3)",
                assertThrows(CaptionsException.class, () -> new JsonlCaptionsReader(null, null).read(file)).getMessage());
    }

    /** Found by CaptionsFuzzTest#jsonl: a field named "" was an IllegalArgumentException from Column. */
    @Test
    void refusesAFieldWithAnEmptyName() throws IOException {
        Path file = jsonl("{\"id\": \"a1\", \"prompt\": \"a red bus\"}\n{\"id\": \"a2\", \"prompt\": \"x\", \"\": 0.5}\n");
        assertEquals(file + ": line 2: a field with an empty name (every field becomes a column and needs a name)",
                assertThrows(CaptionsException.class, () -> new JsonlCaptionsReader(null, null).read(file)).getMessage());
    }

    /**
     * Found by CaptionsFuzzTest#jsonl: the first line has no id field (ids are line numbers), a later one has "id",
     * which would be a second id column (was an IllegalArgumentException from CaptionTable).
     */
    @Test
    void refusesAnExtraFieldNamedLikeTheTablesOwnColumns() throws IOException {
        Path file = jsonl("{\"key\": \"a1\", \"prompt\": \"a red bus\"}\n{\"id\": 2, \"prompt\": \"two cats\"}\n");
        assertEquals(file + ": a field named 'id' that is not the source's id field would be a second 'id' column of the "
                        + "prompt table; choose it as the id column (--id-column / --text-column) or rename it",
                assertThrows(CaptionsException.class, () -> new JsonlCaptionsReader(null, null).read(file)).getMessage());
    }
}
