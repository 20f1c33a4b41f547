package io.vqgen.captions;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class CocoCaptionsReaderTest {
    @TempDir
    Path dir;

    @Test
    void readsAnnotationsWithImageIdsAndFileNames() throws IOException {
        CaptionTable t = new CocoCaptionsReader().read(CocoFiles.write(dir, "captions_val2014.json", CocoFiles.VAL_SAMPLE));
        assertEquals(List.of(new Column("image_id", ColumnType.LONG), new Column("file_name", ColumnType.STRING)), t.columns());
        assertEquals(5, t.size());
        assertEquals(new Caption("37", "A bicycle replica with a clock as the front wheel.",
                Arrays.asList(203564L, "COCO_val2014_000000203564.jpg")), t.rows().get(0));
        // COCO captions carry stray newlines and double spaces; CLIP's whitespace_clean removes them anyway
        assertEquals("There is a GOL plane taking off in a partly cloudy sky.", t.rows().get(3).prompt());
        assertEquals("Blue and white color scheme in a small bathroom.", t.rows().get(4).prompt());
    }

    @Test
    void annotationsBeforeImagesAndNoImagesAtAll() throws IOException {
        CaptionTable t = new CocoCaptionsReader().read(CocoFiles.write(dir, "a.json", """
                {"annotations": [{"image_id": 7, "id": 3, "caption": "a"}],
                 "images": [{"id": 7, "file_name": "x.jpg"}]}"""));
        assertEquals(Arrays.asList(7L, "x.jpg"), t.rows().get(0).extras());

        CaptionTable bare = new CocoCaptionsReader().read(CocoFiles.write(dir, "b.json", """
                {"annotations": [{"image_id": 7, "id": 3, "caption": "a"}]}"""));
        assertEquals(List.of(new Column("image_id", ColumnType.LONG)), bare.columns());
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "''|empty file, expected MSCOCO caption annotations",
            "[1, 2]|holds an array, expected MSCOCO caption annotations",
            "{\"images\": []}|no 'annotations' array",
            "{\"annotations\": {}}|'annotations' at line 1, column 17 is an object, expected an array",
            "{\"annotations\": []}|no captions found",
            "{\"annotations\": [{\"id\": 1, \"image_id\": 2, \"caption\": \"a\"}, {\"id\": 2, \"image_id\": 3}]}"
                    + "|annotations[1] (line 1, column 60): missing 'caption', expected a string",
            "{\"annotations\": [{\"id\": \"x\", \"image_id\": 2, \"caption\": \"a\"}]}"
                    + "|annotations[0] (line 1, column 18): 'id' is string, expected a whole number",
            "{\"annotations\": [{\"id\": 1, \"caption\": \"a\"}]}|missing 'image_id', expected a whole number",
            "{\"annotations\": [7]}|annotations[0] (line 1, column 18): expected an object",
            "{\"annotations\": [{\"id\": 1, \"image_id\": 2, \"caption\": \"a\"}, {\"id\": 1, \"image_id\": 2, \"caption\": \"b\"}]}"
                    + "|duplicate id '1' (first at annotations[0] (line 1, column 18))",
            "{\"images\": [{\"id\": 1}], \"annotations\": []}|images[0] (line 1, column 13): missing 'file_name'",
            "{\"annotations\": [{\"id\": 1, \"image_id\": 2, \"caption\": \"a\"},|malformed JSON at line 1, column 59: Unexpected end-of-input",
            "{\"annotations\": [{\"id\": 1 \"image_id\": 2}]}|malformed JSON at line 1, column 27: Unexpected character ('\"'"})
    void refusesBadFiles(String json, String expected) throws IOException {
        Path file = CocoFiles.write(dir, "bad.json", json);
        CaptionsException e = assertThrows(CaptionsException.class, () -> new CocoCaptionsReader().read(file));
        assertTrue(e.getMessage().startsWith(file + ": "), e.getMessage());
        assertTrue(e.getMessage().contains(expected), e.getMessage());
        assertEquals(1, e.getMessage().lines().count(), e.getMessage());
    }

    @Test
    void refusesMissingFileAndFolder() {
        Path missing = dir.resolve("captions_val2014.json");
        assertEquals(missing + ": not found",
                assertThrows(CaptionsException.class, () -> new CocoCaptionsReader().read(missing)).getMessage());
        assertEquals(dir + ": is a folder, expected a caption file",
                assertThrows(CaptionsException.class, () -> new CocoCaptionsReader().read(dir)).getMessage());
    }
}
