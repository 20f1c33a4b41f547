package io.vqgen.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.vqgen.text.ClipTokenizer;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;

/** {@code vqgen tokenize}: the token ids the pipeline would feed the text encoder, one JSON array per prompt. */
@Command(name = "tokenize", mixinStandardHelpOptions = true,
        description = {"Print the token ids VQ-Diffusion's pipeline feeds its text encoder for each prompt: one JSON "
                + "array of model_max_length (77 for CLIP) ids per line, in input order.",
            "A prompt longer than that is cut as the pipeline cuts it (no trailing end-of-text id), with a warning."})
public final class TokenizeCommand implements Callable<Integer> {
    private static final ObjectMapper JSON = new ObjectMapper()
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);

    @Option(names = "--model", required = true, paramLabel = "DIR",
            description = "Model folder (its tokenizer/ sub-folder is read), or a tokenizer folder itself.")
    Path model;

    @ArgGroup(exclusive = true, multiplicity = "1")
    Input input;

    static final class Input {
        @Option(names = "--input", required = true, paramLabel = "FILE",
                description = "UTF-8 file with one prompt per line, each a JSON string (so a prompt may hold newlines).")
        Path file;

        @Option(names = "--text", required = true, paramLabel = "PROMPT", description = "A single prompt.")
        String text;
    }

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        ClipTokenizer tokenizer = ClipTokenizer.load(tokenizerDir(model));
        List<String> prompts = input.text != null ? List.of(input.text) : readPrompts(input.file);
        PrintWriter out = spec.commandLine().getOut();
        for (String prompt : prompts) {
            out.println(toJson(tokenizer.encodeForPipeline(prompt)));
        }
        out.flush();
        return 0;
    }

    static Path tokenizerDir(Path model) {
        if (!Files.isDirectory(model)) {
            throw new UserError(model + ": model folder not found");
        }
        if (Files.isDirectory(model.resolve("tokenizer"))) {
            return model.resolve("tokenizer");
        }
        if (Files.isRegularFile(model.resolve("vocab.json"))) {
            return model;
        }
        throw new UserError(model + ": no tokenizer/ folder (expected a diffusers model folder, or a tokenizer folder"
                + " with vocab.json)");
    }

    /** Every line, parsed up front so that a bad line stops the command before anything is printed. */
    static List<String> readPrompts(Path file) {
        if (!Files.isRegularFile(file)) {
            throw new UserError(file + ": input file not found");
        }
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(file);
        } catch (IOException e) {
            throw new UserError(file + ": cannot read: " + e.getMessage(), e);
        }
        List<String> prompts = new ArrayList<>();
        int start = 0;
        while (start < bytes.length) {
            int end = start;
            while (end < bytes.length && bytes[end] != '\n') {
                end++;
            }
            int lineEnd = end > start && bytes[end - 1] == '\r' ? end - 1 : end;
            int lineNumber = prompts.size() + 1;
            prompts.add(parsePrompt(file, lineNumber, decodeLine(file, lineNumber, bytes, start, lineEnd)));
            start = end + 1;
        }
        return prompts;
    }

    private static String decodeLine(Path file, int lineNumber, byte[] bytes, int from, int to) {
        try {
            return StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(bytes, from, to - from))
                    .toString();
        } catch (CharacterCodingException e) {
            throw new UserError(file + ": line " + lineNumber + ": not valid UTF-8");
        }
    }

    private static String parsePrompt(Path file, int lineNumber, String line) {
        String where = file + ": line " + lineNumber + ": ";
        if (line.isBlank()) {
            throw new UserError(where + "empty (expected one JSON string per line, e.g. \"a red bus\")");
        }
        JsonNode node;
        try {
            node = JSON.readTree(line);
        } catch (JsonProcessingException e) {
            throw new UserError(where + "not valid JSON (expected a JSON string, e.g. \"a red bus\"): "
                    + e.getOriginalMessage());
        }
        if (node == null || !node.isTextual()) {
            String shown = line.strip().length() > 60 ? line.strip().substring(0, 60) + "…" : line.strip();
            throw new UserError(where + "expected a JSON string, e.g. \"a red bus\", got " + shown);
        }
        return node.textValue();
    }

    private static String toJson(int[] ids) {
        StringBuilder json = new StringBuilder(ids.length * 6).append('[');
        for (int i = 0; i < ids.length; i++) {
            json.append(i == 0 ? "" : ",").append(ids[i]);
        }
        return json.append(']').toString();
    }
}
