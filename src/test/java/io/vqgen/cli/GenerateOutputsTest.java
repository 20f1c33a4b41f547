package io.vqgen.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.vqgen.pipeline.GenerationSetting;
import io.vqgen.weights.Npy;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.w3c.dom.NamedNodeMap;
import org.w3c.dom.Node;

import javax.imageio.ImageIO;
import javax.imageio.ImageReader;
import javax.imageio.metadata.IIOMetadata;
import javax.imageio.stream.ImageInputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code generate}'s prompts file, batches, progress lines and metadata.jsonl; {@code bench --json} and
 * {@code inspect-model --json}; on sample-data/model.
 */
class GenerateOutputsTest {
    private static final String MODEL = "sample-data/model";
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path tmp;

    private record Result(int code, String out, String err) {
    }

    private static Result run(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code = Main.run(new PrintWriter(out), new PrintWriter(err), args);
        return new Result(code, out.toString(), err.toString());
    }

    @Test
    void promptsFileInBatchesWritesMetadataJsonlAndTheSameImagesAsOneBatch() throws Exception {
        Path jsonl = Files.writeString(tmp.resolve("prompts.jsonl"), """
                {"prompt": "a red bus", "id": "bus"}

                {"prompt": "un café ☕", "seed": 500}
                {"prompt": "two cats"}
                """);
        Path batched = tmp.resolve("batched");
        Result r = run("generate", "--model", MODEL, "--steps", "3", "--seed", "10", "--prompts-file", jsonl.toString(),
                "--prompt", "first, from the command line", "--batch-size", "3", "--out", batched.toString());
        assertEquals(0, r.code(), r.err());
        List<String> progress = r.err().strip().lines().filter(l -> l.startsWith("batch ")).toList();
        assertEquals(2, progress.size(), "one line per batch when stderr is not a terminal:\n" + r.err());
        assertTrue(progress.get(0).startsWith("batch 1/2: 3 image(s) in "), progress.get(0));
        assertTrue(progress.get(1).matches("batch 2/2: 1 image\\(s\\) in [0-9.]+ s; 4/4 images, [0-9.]+ images/s, ETA 0s"),
                progress.get(1));

        List<String> lines = Files.readAllLines(batched.resolve("metadata.jsonl"));
        assertEquals(4, lines.size());
        String[] prompts = {"first, from the command line", "a red bus", "un café ☕", "two cats"};
        long[] seeds = {10, 11, 500, 13};
        for (int i = 0; i < 4; i++) {
            JsonNode m = JSON.readTree(lines.get(i));
            assertEquals(i + ".png", m.get("file_name").asText());
            assertEquals("file_name", m.fieldNames().next(), "imagefolder's key first");
            assertEquals(prompts[i], m.get("prompt").asText());
            assertEquals(seeds[i], m.get("seed").asLong(), "image i uses seed + i; a line's own seed replaces that");
            assertEquals(3, m.get("steps").asInt());
            for (GenerationSetting s : GenerationSetting.sampling()) {
                assertTrue(m.has(s.key()), s.key());
            }
            assertEquals(32, m.get("width").asInt());
            assertTrue(m.get("model_fingerprint").asText().startsWith("sha256:"));
            Map<String, String> text = pngText(batched.resolve(i + ".png"));
            assertEquals(prompts[i], text.get("prompt"), "tEXt or iTXt");
            assertEquals(String.valueOf(seeds[i]), text.get("seed"));
        }
        assertEquals("bus", JSON.readTree(lines.get(1)).get("id").asText());

        // per-image noise: batches never change an image
        Path whole = tmp.resolve("whole");
        assertEquals(0, run("generate", "--model", MODEL, "--steps", "3", "--seed", "10", "--prompts-file",
                jsonl.toString(), "--prompt", "first, from the command line", "--out", whole.toString()).code());
        assertArrayEquals(Npy.read(whole.resolve("tokens.npy")).toLongs(), Npy.read(batched.resolve("tokens.npy")).toLongs());
    }

    /** PNG text through javax.imageio's own PNG reader (tEXt and iTXt entries of its native metadata tree). */
    private static Map<String, String> pngText(Path png) throws Exception {
        Map<String, String> text = new HashMap<>();
        try (ImageInputStream in = ImageIO.createImageInputStream(png.toFile())) {
            ImageReader reader = ImageIO.getImageReaders(in).next();
            reader.setInput(in);
            IIOMetadata meta = reader.getImageMetadata(0);
            Node root = meta.getAsTree("javax_imageio_png_1.0");
            for (Node n = root.getFirstChild(); n != null; n = n.getNextSibling()) {
                if (n.getNodeName().equals("tEXt") || n.getNodeName().equals("iTXt")) {
                    for (Node e = n.getFirstChild(); e != null; e = e.getNextSibling()) {
                        NamedNodeMap a = e.getAttributes();
                        text.put(a.getNamedItem("keyword").getNodeValue(), a.getNamedItem(
                                n.getNodeName().equals("tEXt") ? "value" : "text").getNodeValue());
                    }
                }
            }
        }
        return text;
    }

    @Test
    void badPromptsFilesAreOneLineNamingTheLine() throws Exception {
        Path out = tmp.resolve("o");
        assertBad("--prompts-file " + tmp.resolve("none.txt") + ": not found", "--prompts-file",
                tmp.resolve("none.txt").toString(), "--out", out.toString());
        Path badJson = Files.writeString(tmp.resolve("bad.jsonl"), "{\"prompt\": \"ok\"}\n{\"prompt\": \n");
        assertBad("--prompts-file " + badJson + " line 2: not valid JSON (", "--prompts-file", badJson.toString(),
                "--out", out.toString());
        Path unknown = Files.writeString(tmp.resolve("unknown.jsonl"), "{\"promt\": \"typo\"}\n");
        assertBad("--prompts-file " + unknown + " line 1: unknown field 'promt' (expected prompt, seed, id)",
                "--prompts-file", unknown.toString(), "--out", out.toString());
        Path seed = Files.writeString(tmp.resolve("seed.jsonl"), "{\"prompt\": \"a\", \"seed\": -3}\n");
        assertBad("--prompts-file " + seed + " line 1: 'seed' must be a whole number >= 0, got -3", "--prompts-file",
                seed.toString(), "--out", out.toString());
        Path empty = Files.writeString(tmp.resolve("empty.txt"), "\n  \n");
        assertBad("--prompts-file " + empty + ": no prompts (", "--prompts-file", empty.toString(), "--out",
                out.toString());
        assertBad("no prompts: give --prompt TEXT (repeatable) or --prompts-file FILE", "--out", out.toString());
        assertBad("--batch-size must be 0 (one call) or more, got -1", "--prompt", "a", "--batch-size", "-1", "--out",
                out.toString());
    }

    private static void assertBad(String messageStart, String... args) {
        String[] all = new String[args.length + 3];
        all[0] = "generate";
        all[1] = "--model";
        all[2] = MODEL;
        System.arraycopy(args, 0, all, 3, args.length);
        Result r = run(all);
        assertEquals(2, r.code(), r.out() + r.err());
        assertTrue(r.err().strip().startsWith("vqgen generate: " + messageStart), r.err());
        assertEquals(1, r.err().strip().lines().count(), r.err());
    }

    @Test
    void benchAndInspectModelPrintJson() throws Exception {
        Result bench = run("bench", "--model", MODEL, "--steps", "2", "--runs", "1", "--batch-sizes", "1,2", "--json");
        assertEquals(0, bench.code(), bench.err());
        JsonNode b = JSON.readTree(bench.out());
        assertEquals(2, b.get("results").size());
        assertEquals(2, b.get("results").get(1).get("batch").asInt());
        assertEquals(2, b.get("results").get(1).get("calls").asInt(), "network calls = steps");
        assertTrue(b.get("results").get(0).get("images_per_s").asDouble() > 0);
        assertEquals(2, b.get("settings").get("steps").asInt());
        assertEquals("per-image", b.get("settings").get("noise").asText());

        Result inspect = run("inspect-model", MODEL, "--json");
        assertEquals(0, inspect.code(), inspect.err());
        JsonNode i = JSON.readTree(inspect.out());
        assertTrue(i.get("ok").asBoolean());
        assertEquals("VQDiffusionPipeline", i.get("pipeline_class").asText());
        assertTrue(i.get("components").size() >= 5);
        JsonNode transformer = null;
        for (JsonNode c : i.get("components")) {
            if (c.get("name").asText().equals("transformer")) {
                transformer = c;
            }
        }
        assertEquals(transformer.at("/weights/expected_parameters").asLong(), transformer.at("/weights/parameters").asLong());
    }
}
