package io.vqgen.cli;

import io.vqgen.captions.CocoFiles;
import io.vqgen.captions.PromptTables;
import org.apache.hadoop.fs.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class PrepareCaptionsCommandTest {
    @TempDir
    java.nio.file.Path dir;

    private final StringWriter out = new StringWriter();
    private final StringWriter err = new StringWriter();

    private int run(String... args) {
        return Main.commandLine().setOut(new PrintWriter(out, true)).setErr(new PrintWriter(err, true)).execute(args);
    }

    private List<Map<String, Object>> written(java.nio.file.Path folder) throws IOException {
        return PromptTables.read(new Path(folder.resolve("part-00000.parquet").toString()));
    }

    @Test
    void cocoSampleIsReproducibleAndIndependentOfFileOrder() throws IOException {
        java.nio.file.Path file = CocoFiles.write(dir, "captions_val2014.json", CocoFiles.generated(400));
        java.nio.file.Path a = dir.resolve("a");
        assertEquals(0, run("prepare-captions", "--format", "coco", "--input", file.toString(), "--output", a.toString(),
                "--sample", "30", "--seed", "2014"), err.toString());
        assertEquals("wrote 30 captions (sampled with seed 2014 from 400) to file:" + a + "\n", out.toString());

        // the same annotations in reverse order
        String json = CocoFiles.generated(400);
        int start = json.indexOf("\"annotations\": [") + 16;
        List<String> annotations = new java.util.ArrayList<>(List.of(json.substring(start, json.length() - 2).split("(?<=\\}),")));
        java.util.Collections.reverse(annotations);
        String reversed = json.substring(0, start) + String.join(",", annotations) + "]}";
        java.nio.file.Path reversedFile = CocoFiles.write(dir, "reversed.json", reversed);
        java.nio.file.Path b = dir.resolve("b");
        assertEquals(0, run("prepare-captions", "--format", "COCO", "--input", reversedFile.toString(),
                "--output", b.toString(), "--sample", "30", "--seed", "2014"));
        List<Map<String, Object>> rows = written(a);
        assertEquals(rows, written(b));
        assertEquals(30, rows.size());
        Map<String, Object> first = rows.get(0);
        assertEquals(List.of("id", "prompt", "image_id", "file_name"), List.copyOf(first.keySet()));
        assertEquals("caption number " + first.get("id"), first.get("prompt"));
    }

    @Test
    void txtWithoutSampleKeepsFileOrder() throws IOException {
        java.nio.file.Path file = Files.writeString(dir.resolve("c.txt"), "one\ntwo\n");
        assertEquals(0, run("prepare-captions", "--format", "txt", "--input", file.toString(),
                "--output", dir.resolve("p").toUri().toString()));
        assertEquals(List.of(Map.of("id", "1", "prompt", "one"), Map.of("id", "2", "prompt", "two")), written(dir.resolve("p")));
    }

    @Test
    void badInputsExitWithStatus2AndOneLine() throws IOException {
        java.nio.file.Path broken = Files.writeString(dir.resolve("broken.json"), "{\"annotations\": [");
        java.nio.file.Path txt = Files.writeString(dir.resolve("c.txt"), "one\n");
        List<List<String>> cases = List.of(
                List.of("--format", "coco", "--input", dir.resolve("missing.json").toString(), "--output", dir.resolve("o1").toString()),
                List.of("--format", "coco", "--input", broken.toString(), "--output", dir.resolve("o2").toString()),
                List.of("--format", "txt", "--input", txt.toString(), "--output", dir.resolve("o3").toString(), "--sample", "2"),
                List.of("--format", "txt", "--input", txt.toString(), "--output", dir.resolve("o4").toString(), "--seed", "2"),
                List.of("--format", "txt", "--input", txt.toString(), "--output", dir.resolve("o5").toString(), "--text-column", "x"));
        List<String> expected = List.of(
                dir.resolve("missing.json") + ": not found",
                broken + ": malformed JSON at line 1, column 18: Unexpected end-of-input: expected close marker for Array",
                "cannot sample 2 captions: the source has only 1",
                "--seed applies to --sample and --one-per-image; give --sample N or --one-per-image too",
                "--id-column and --text-column apply to csv and jsonl, not txt (its columns are fixed)");
        for (int i = 0; i < cases.size(); i++) {
            err.getBuffer().setLength(0);
            List<String> args = new java.util.ArrayList<>(List.of("prepare-captions"));
            args.addAll(cases.get(i));
            assertEquals(2, run(args.toArray(String[]::new)), cases.get(i).toString());
            assertTrue(err.toString().startsWith("vqgen prepare-captions: " + expected.get(i)), err.toString());
            assertEquals(1, err.toString().lines().count(), err.toString());
        }
    }

    @Test
    void onePerImageThenSampleIsTheFidProtocol() throws IOException {
        // 400 captions of 80 images (5 each): one caption per image, then 30 of those images
        java.nio.file.Path file = CocoFiles.write(dir, "captions_val2014.json", CocoFiles.generated(400));
        java.nio.file.Path a = dir.resolve("a");
        assertEquals(0, run("prepare-captions", "--format", "coco", "--input", file.toString(), "--output", a.toString(),
                "--one-per-image", "--sample", "30", "--seed", "7"), err.toString());
        assertEquals("wrote 30 captions (one per image with seed 7: 80 images of 400 captions, then 30 of them sampled)"
                + " to file:" + a + "\n", out.toString());
        List<Map<String, Object>> rows = written(a);
        assertEquals(30, rows.size());
        assertEquals(30, rows.stream().map(r -> r.get("image_id")).distinct().count(), "one caption per image");
        java.nio.file.Path all = dir.resolve("all");
        out.getBuffer().setLength(0);
        assertEquals(0, run("prepare-captions", "--format", "coco", "--input", file.toString(), "--output",
                all.toString(), "--one-per-image", "--seed", "7"));
        List<Map<String, Object>> perImage = written(all);
        assertEquals(80, perImage.size());
        assertTrue(perImage.containsAll(rows), "the sample is drawn from the one-per-image choice");
        // another seed picks other captions for some images, never two for one
        java.nio.file.Path other = dir.resolve("other");
        assertEquals(0, run("prepare-captions", "--format", "coco", "--input", file.toString(), "--output",
                other.toString(), "--one-per-image", "--seed", "8"));
        assertEquals(80, written(other).stream().map(r -> r.get("image_id")).distinct().count());
        assertTrue(!written(other).equals(perImage));
    }

    @Test
    void onePerImageNeedsImageIds() throws IOException {
        java.nio.file.Path txt = Files.writeString(dir.resolve("c.txt"), "one\ntwo\n");
        assertEquals(2, run("prepare-captions", "--format", "txt", "--input", txt.toString(), "--output",
                dir.resolve("o").toString(), "--one-per-image"));
        assertTrue(err.toString().contains("--one-per-image needs an 'image_id' column"), err.toString());
    }

    @Test
    void unknownFormatIsAUsageError() {
        assertEquals(2, run("prepare-captions", "--format", "xml", "--input", "x", "--output", "y"));
        assertTrue(err.toString().contains("Invalid value for option '--format'"), err.toString());
    }
}
