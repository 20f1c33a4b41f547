package io.vqgen.job;

import org.apache.parquet.column.page.PageReadStore;
import org.apache.parquet.example.data.Group;
import org.apache.parquet.example.data.simple.convert.GroupRecordConverter;
import org.apache.parquet.hadoop.ParquetFileReader;
import org.apache.parquet.io.ColumnIOFactory;
import org.apache.parquet.io.LocalInputFile;
import org.apache.parquet.io.RecordReader;
import org.apache.parquet.schema.MessageType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class PromptsFileTest {
    @TempDir
    Path tmp;

    @Test
    void theCheckedInSamplePromptsAreReproducibleFromTheirJsonLines() throws IOException {
        Path jsonl = Path.of("sample-data/prompts.jsonl");
        Path parquet = tmp.resolve("prompts.parquet");
        int rows = PromptsFile.convert(jsonl, parquet);
        assertEquals(Files.readAllLines(jsonl).size(), rows);
        assertEquals(contents(Path.of("sample-data/prompts.parquet")), contents(parquet),
                "sample-data/prompts.parquet is stale: run `vqgen prompts sample-data/prompts.jsonl sample-data/prompts.parquet`");
    }

    @Test
    void writesTheGivenValuesIncludingNullsAndOutOfRangeOnes() throws IOException {
        Path jsonl = Files.write(tmp.resolve("p.jsonl"), List.of(
                "{\"id\": \"a\", \"prompt\": \"a cat\", \"seed\": 7, \"guidance_scale\": 2.5}",
                "",
                "{\"id\": \"b\", \"prompt\": null, \"num_images\": 0}"));
        Path parquet = tmp.resolve("p.parquet");
        assertEquals(2, PromptsFile.convert(jsonl, parquet));
        List<String> c = contents(parquet);
        assertEquals("""
                message prompts {
                  optional binary id (STRING);
                  optional binary prompt (STRING);
                  optional int64 seed;
                  optional int32 num_images;
                  optional double guidance_scale;
                }
                """, c.get(0));
        assertEquals("id: a\nprompt: a cat\nseed: 7\nguidance_scale: 2.5\n", c.get(1));
        assertEquals("id: b\nnum_images: 0\n", c.get(2));
    }

    /** Schema and every record, as text: what a reader sees. */
    private static List<String> contents(Path file) throws IOException {
        List<String> out = new ArrayList<>();
        try (ParquetFileReader reader = ParquetFileReader.open(new LocalInputFile(file))) {
            MessageType schema = reader.getFooter().getFileMetaData().getSchema();
            out.add(schema.toString());
            PageReadStore pages;
            while ((pages = reader.readNextRowGroup()) != null) {
                RecordReader<Group> records = new ColumnIOFactory().getColumnIO(schema)
                        .getRecordReader(pages, new GroupRecordConverter(schema));
                for (long i = 0; i < pages.getRowCount(); i++) {
                    out.add(records.read().toString());
                }
            }
        }
        return out;
    }

    @Test
    void badLinesAreNamed() throws IOException {
        assertEquals("f.jsonl:1: unknown field 'colour'"
                + " (known: id, prompt, class_label, seed, num_images, steps, guidance_scale, truncation_rate, infer_speed, prior_rule, prior_weight)", error("{\"id\": \"a\", \"prompt\": \"p\", \"colour\": \"red\"}"));
        assertEquals("f.jsonl:1: field 'seed' must be a 64-bit integer or null, got \"7\"", error("{\"id\": \"a\", \"seed\": \"7\"}"));
        assertEquals("f.jsonl:1: field 'num_images' must be a 32-bit integer or null, got 5000000000", error("{\"id\": \"a\", \"num_images\": 5000000000}"));
        assertEquals("f.jsonl:1: field 'id' must be a string or null, got 5", error("{\"id\": 5}"));
        assertEquals("f.jsonl:1: expected a JSON object per line", error("[1, 2]"));
        assertEquals("f.jsonl:1: not valid JSON (Unexpected end-of-input within/between Object entries)", error("{\"id\": "));
    }

    private String error(String line) throws IOException {
        Path jsonl = Files.write(tmp.resolve("f.jsonl"), List.of(line));
        String message = assertThrows(JobException.class, () -> PromptsFile.convert(jsonl, tmp.resolve("f.parquet"))).getMessage();
        return message.replace(tmp.toString() + "/", "");
    }
}
