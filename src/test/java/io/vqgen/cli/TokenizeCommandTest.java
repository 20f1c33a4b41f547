package io.vqgen.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.vqgen.Reference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code vqgen tokenize} through {@link Main#run(PrintWriter, PrintWriter, String...)}. */
class TokenizeCommandTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path temp;

    private record Result(int code, String out, String err) {
        List<String> lines() {
            return out.isEmpty() ? List.of() : List.of(out.split("\n"));
        }
    }

    private static Result run(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code = Main.run(new PrintWriter(out), new PrintWriter(err), args);
        return new Result(code, out.toString().replace("\r\n", "\n"), err.toString().replace("\r\n", "\n"));
    }

    @Test
    void inputFilePromptsGiveTheIdsTheTinyPipelineWasFed() throws IOException {
        JsonNode cases = JSON.readTree(Reference.path("tiny-a", "cases.json").toFile()).get("cases");
        List<String> lines = new ArrayList<>();
        List<String> expected = new ArrayList<>();
        for (JsonNode c : cases) {
            if (c.get("prompt").isTextual()) {
                lines.add(JSON.writeValueAsString(c.get("prompt").asText()));
                expected.add(c.get("input_ids").get(0).toString());
            }
        }
        lines.add(JSON.writeValueAsString("two lines\nof prompt"));
        Path file = temp.resolve("prompts.jsonl");
        Files.write(file, lines);

        Result r = run("tokenize", "--model", Reference.path("tiny-a", "model").toString(), "--input", file.toString());

        assertEquals(0, r.code(), r.err());
        assertEquals(lines.size(), r.lines().size());
        for (int i = 0; i < expected.size(); i++) {
            assertEquals(expected.get(i), r.lines().get(i), "line " + (i + 1));
        }
        assertEquals(77, JSON.readTree(r.lines().get(lines.size() - 1)).size());
    }

    @Test
    void textPromptWithATokenizerFolder() throws IOException {
        Result r = run("tokenize", "--model", Reference.path("tokenizer-clip").toString(),
                "--text", "a teddy bear playing in the pool");
        assertEquals(0, r.code(), r.err());
        JsonNode publicCase = JSON.readTree(Reference.path("tokenizer-cases", "public.json").toFile())
                .get("cases").get(0);
        assertEquals("a teddy bear playing in the pool", publicCase.get("text").asText());
        assertEquals(List.of(publicCase.get("input_ids").toString()), r.lines());
    }

    @Test
    void helpIsPrinted() {
        Result r = run("tokenize", "--help");
        assertEquals(0, r.code());
        assertTrue(r.out().contains("--model=DIR") && r.out().contains("--input=FILE") && r.out().contains("--text"),
                r.out());
    }

    @Test
    void badUsageIsOneLineAndExitCode2() {
        assertOneLineError(run("tokenize", "--text", "x"), "vqgen tokenize: Missing required option: '--model=DIR'");
        assertOneLineError(run("tokenize", "--model", "m"), "vqgen tokenize: Error: Missing required argument (specify one of these): (--input=FILE | --text=PROMPT)");
        assertOneLineError(run("tokenize", "--model", "m", "--text", "x", "--input", "f"),
                "vqgen tokenize: Error: --input=FILE, --text=PROMPT are mutually exclusive (specify only one)");
    }

    @Test
    void missingModelIsOneLineAndExitCode2() {
        assertOneLineError(run("tokenize", "--model", temp.resolve("none").toString(), "--text", "x"),
                "none: model folder not found");
        assertOneLineError(run("tokenize", "--model", temp.toString(), "--text", "x"),
                ": no tokenizer/ folder (expected a diffusers model folder, or a tokenizer folder with vocab.json)");
    }

    @Test
    void brokenTokenizerIsOneLineAndExitCode2() throws IOException {
        Path tokenizer = Files.createDirectories(temp.resolve("model").resolve("tokenizer"));
        Files.writeString(tokenizer.resolve("vocab.json"), "{}");
        assertOneLineError(run("tokenize", "--model", temp.resolve("model").toString(), "--text", "x"),
                "vocab.json: empty vocabulary");
    }

    @Test
    void badInputLinesNameTheirLineNumber() throws IOException {
        String model = Reference.path("tiny-a", "model").toString();
        Path file = temp.resolve("prompts.jsonl");
        Files.write(file, List.of("\"fine\"", "not json"));
        Result r = run("tokenize", "--model", model, "--input", file.toString());
        assertOneLineError(r, "prompts.jsonl: line 2: not valid JSON (expected a JSON string, e.g. \"a red bus\")");
        assertEquals("", r.out(), "nothing is printed when a line is bad");

        Files.write(file, List.of("\"fine\"", "\"also fine\"", "[\"a list\"]"));
        assertOneLineError(run("tokenize", "--model", model, "--input", file.toString()),
                "prompts.jsonl: line 3: expected a JSON string, e.g. \"a red bus\", got [\"a list\"]");

        Files.write(file, List.of("\"two\" \"strings\""));
        assertOneLineError(run("tokenize", "--model", model, "--input", file.toString()), "line 1: not valid JSON");

        Files.write(file, List.of("\"fine\"", ""));
        assertOneLineError(run("tokenize", "--model", model, "--input", file.toString()),
                "line 2: empty (expected one JSON string per line");

        Files.write(file, new byte[] {'"', 'a', '"', '\n', '"', (byte) 0xC3, '"', '\n'});
        assertOneLineError(run("tokenize", "--model", model, "--input", file.toString()), "line 2: not valid UTF-8");

        assertOneLineError(run("tokenize", "--model", model, "--input", temp.resolve("missing.jsonl").toString()),
                "missing.jsonl: input file not found");
    }

    private static void assertOneLineError(Result r, String expectedPart) {
        assertEquals(2, r.code(), r.err());
        assertTrue(r.err().contains(expectedPart), r.err());
        assertEquals(1, r.err().strip().split("\n").length, "one line: " + r.err());
        assertFalse(r.err().contains("\tat "), "no stack trace: " + r.err());
    }
}
