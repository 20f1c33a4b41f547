package io.vqgen.captions;

import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.Path;
import org.apache.parquet.schema.MessageTypeParser;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class PromptTableWriterTest {
    @TempDir
    java.nio.file.Path dir;

    private final CaptionTable table = new CaptionTable(
            List.of(new Column("image_id", ColumnType.LONG), new Column("file_name", ColumnType.STRING),
                    new Column("steps", ColumnType.INT), new Column("score", ColumnType.DOUBLE),
                    new Column("ok", ColumnType.BOOLEAN)),
            List.of(new Caption("37", "a bicycle", Arrays.asList(203564L, "a.jpg", 50, 0.5, true)),
                    new Caption("49", "ein Zimmer – blau", Arrays.asList(322141L, null, null, null, null))));

    @Test
    void writesADatasetFolderWithTypedColumns() throws IOException {
        String out = dir.resolve("prompts").toUri().toString();
        Path written = new PromptTableWriter(new Configuration()).write(table, out, false);
        assertEquals(new Path(out), written);
        assertTrue(Files.exists(dir.resolve("prompts/_SUCCESS")));
        Path part = new Path(written, "part-00000.parquet");
        assertEquals(MessageTypeParser.parseMessageType("""
                message prompts {
                  required binary id (STRING);
                  required binary prompt (STRING);
                  optional int64 image_id;
                  optional binary file_name (STRING);
                  optional int32 steps;
                  optional double score;
                  optional boolean ok;
                }"""), PromptTables.schema(part));
        Map<String, Object> second = new LinkedHashMap<>();
        second.put("id", "49");
        second.put("prompt", "ein Zimmer – blau");
        for (String c : List.of("image_id", "file_name", "steps", "score", "ok")) {
            second.put(c, c.equals("image_id") ? 322141L : null);
        }
        assertEquals(List.of(Map.of("id", "37", "prompt", "a bicycle", "image_id", 203564L, "file_name", "a.jpg",
                "steps", 50, "score", 0.5, "ok", true), second), PromptTables.read(part));
    }

    @Test
    void refusesAnExistingOutputUnlessOverwriting() throws IOException {
        java.nio.file.Path out = Files.createDirectories(dir.resolve("prompts"));
        Files.writeString(out.resolve("old.parquet"), "x");
        CaptionsException e = assertThrows(CaptionsException.class,
                () -> new PromptTableWriter(new Configuration()).write(table, out.toString(), false));
        assertEquals("file:" + out + ": already exists (pass --overwrite to replace it)", e.getMessage());

        new PromptTableWriter(new Configuration()).write(table, out.toString(), true);
        assertTrue(Files.notExists(out.resolve("old.parquet")));
        assertEquals(2, PromptTables.read(new Path(out.toString(), "part-00000.parquet")).size());
    }

    @Test
    void reportsAnUnwritableDestination() throws IOException {
        java.nio.file.Path blocker = Files.writeString(dir.resolve("file"), "x");
        CaptionsException e = assertThrows(CaptionsException.class,
                () -> new PromptTableWriter(new Configuration()).write(table, blocker.resolve("prompts").toString(), false));
        assertTrue(e.getMessage().startsWith("file:" + blocker.resolve("prompts") + ": cannot write the prompt table: "),
                e.getMessage());
    }
}
