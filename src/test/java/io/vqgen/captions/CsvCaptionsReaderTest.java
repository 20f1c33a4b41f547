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

class CsvCaptionsReaderTest {
    @TempDir
    Path dir;

    private Path csv(String text) throws IOException {
        return Files.writeString(dir.resolve("captions.csv"), text);
    }

    @Test
    void readsQuotedMultilineFieldsAndKeepsOtherColumns() throws IOException {
        Path file = csv("""
                id,caption,source,seed
                a1,"A cat, sitting on a mat",web,42
                a2,"A ""quoted""
                dog",book,
                """);
        CaptionTable t = new CsvCaptionsReader(null, null).read(file);
        assertEquals(List.of(new Column("source", ColumnType.STRING), new Column("seed", ColumnType.LONG)), t.columns());
        assertEquals(new Caption("a1", "A cat, sitting on a mat", Arrays.asList("web", 42L)), t.rows().get(0));
        assertEquals(new Caption("a2", "A \"quoted\" dog", Arrays.asList("book", null)), t.rows().get(1));
    }

    /** Every per-row setting of the job gets the job's type, the research sampler's columns included. */
    @Test
    void everyOverrideColumnGetsTheJobsType() throws IOException {
        Path file = csv("""
                id,caption,num_images,steps,guidance_scale,truncation_rate,infer_speed,prior_rule,prior_weight
                a1,a cat,2,50,3.5,0.9,0.5,2,1.5
                """);
        CaptionTable t = new CsvCaptionsReader(null, null).read(file);
        assertEquals(List.of(new Column("num_images", ColumnType.INT), new Column("steps", ColumnType.INT),
                new Column("guidance_scale", ColumnType.DOUBLE), new Column("truncation_rate", ColumnType.DOUBLE),
                new Column("infer_speed", ColumnType.DOUBLE), new Column("prior_rule", ColumnType.INT),
                new Column("prior_weight", ColumnType.DOUBLE)), t.columns());
        assertEquals(Arrays.asList(2, 50, 3.5, 0.9, 0.5, 2, 1.5), t.rows().get(0).extras());
    }

    @Test
    void withoutIdColumnIdsAreRecordNumbers() throws IOException {
        CaptionTable t = new CsvCaptionsReader(null, null).read(csv("\uFEFFtext\r\nfirst\r\n\r\nsecond\r\n"));
        assertEquals(List.of(Caption.of("1", "first"), Caption.of("2", "second")), t.rows());
    }

    @Test
    void explicitColumns() throws IOException {
        Path file = csv("key,prompt_en,caption\nk1,hello,ignored\n");
        CaptionTable t = new CsvCaptionsReader("key", "prompt_en").read(file);
        assertEquals(List.of(new Column("caption", ColumnType.STRING)), t.columns());
        assertEquals(new Caption("k1", "hello", List.of("ignored")), t.rows().get(0));
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "''|empty file, expected CSV with a header row",
            "id,caption\\n|no captions found",
            "id,title\\n1,a\\n|no caption column: none of [prompt, caption, text] in [id, title] (choose one with --text-column)",
            "id,caption\\n1,a\\n2,b,c\\n|record 2 (ending at line 3): 3 fields, the header has 2",
            "id,caption\\n1,a\\n1,b\\n|record 2 (ending at line 3): duplicate id '1' (first at record 1 (ending at line 2))",
            "id,caption\\n,a\\n|record 1 (ending at line 2): empty id",
            "id,caption,seed\\n1,a,x\\n|record 1 (ending at line 2): column 'seed' holds 'x', expected a whole number (64-bit)",
            "id,caption,steps\\n1,a,1e9\\n|column 'steps' holds '1e9', expected a whole number (32-bit)",
            "id,caption,caption\\n1,a,b\\n|header names column 'caption' twice",
            "id,,caption\\n1,a,b\\n|header column 2 has no name"})
    void refusesBadFiles(String text, String expected) throws IOException {
        Path file = csv(text.replace("\\n", "\n"));
        CaptionsException e = assertThrows(CaptionsException.class, () -> new CsvCaptionsReader(null, null).read(file));
        assertTrue(e.getMessage().startsWith(file + ": "), e.getMessage());
        assertTrue(e.getMessage().contains(expected), e.getMessage());
    }

    @Test
    void refusesClashingColumns() throws IOException {
        Path file = csv("id,key,caption,prompt\n1,k,a,b\n");
        assertEquals(file + ": column 'prompt' would clash with the 'prompt' column made from 'caption'; "
                        + "choose it with --text-column or rename it",
                assertThrows(CaptionsException.class, () -> new CsvCaptionsReader(null, "caption").read(file)).getMessage());
        assertEquals(file + ": column 'id' would clash with the 'id' column made from 'key'; "
                        + "choose it with --id-column or rename it",
                assertThrows(CaptionsException.class, () -> new CsvCaptionsReader("key", null).read(file)).getMessage());
    }

    @Test
    void refusesUnknownExplicitColumns() throws IOException {
        Path file = csv("id,caption\n1,a\n");
        assertEquals(file + ": --text-column 'prompt' not found; columns are [id, caption]",
                assertThrows(CaptionsException.class, () -> new CsvCaptionsReader(null, "prompt").read(file)).getMessage());
        assertEquals(file + ": --id-column 'key' not found; columns are [id, caption]",
                assertThrows(CaptionsException.class, () -> new CsvCaptionsReader("key", null).read(file)).getMessage());
        assertEquals(file + ": column 'caption' cannot be both the id and the caption",
                assertThrows(CaptionsException.class, () -> new CsvCaptionsReader("caption", null).read(file)).getMessage());
    }
}
