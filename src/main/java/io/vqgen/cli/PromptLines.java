package io.vqgen.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Set;

/**
 * {@code generate --prompts-file}: prompts one per line, as plain text or as JSON lines. A file whose first non-blank
 * line starts with <code>{</code> is JSON lines: each line an object with {@code prompt} (a non-empty string) and
 * optionally {@code seed} (an integer ≥ 0: the prompt's images use seed, seed + 1, …) and {@code id} (kept in
 * {@code metadata.jsonl}). Otherwise each non-blank line is a prompt. Blank lines are skipped in both.
 */
final class PromptLines {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Set<String> FIELDS = Set.of("prompt", "seed", "id");

    /** One prompt; {@code seed} and {@code id} are null when the line did not give them. */
    record Line(String prompt, Long seed, String id) {
    }

    private PromptLines() {
    }

    static List<Line> read(Path file) {
        List<String> lines;
        try {
            lines = Files.readAllLines(file, StandardCharsets.UTF_8);
        } catch (NoSuchFileException e) {
            throw new UserError("--prompts-file " + file + ": not found");
        } catch (CharacterCodingException e) {
            throw new UserError("--prompts-file " + file + ": not UTF-8 text");
        } catch (IOException e) {
            throw new UserError("--prompts-file " + file + ": cannot be read (" + e.getMessage() + ")");
        }
        boolean json = lines.stream().map(String::strip).filter(l -> !l.isEmpty()).findFirst()
                .map(l -> l.startsWith("{")).orElse(false);
        List<Line> out = new ArrayList<>();
        for (int i = 0; i < lines.size(); i++) {
            String text = lines.get(i).strip();
            if (!text.isEmpty()) {
                out.add(json ? parse(file, i + 1, text) : new Line(text, null, null));
            }
        }
        if (out.isEmpty()) {
            throw new UserError("--prompts-file " + file + ": no prompts (expected one prompt, or one JSON object, per line)");
        }
        return out;
    }

    private static Line parse(Path file, int number, String text) {
        String where = "--prompts-file " + file + " line " + number + ": ";
        JsonNode node;
        try {
            node = JSON.readTree(text);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new UserError(where + "not valid JSON (" + e.getOriginalMessage() + ")");
        }
        if (node == null || !node.isObject()) {
            throw new UserError(where + "expected a JSON object such as {\"prompt\": \"a red bus\", \"seed\": 7}");
        }
        for (Iterator<String> names = node.fieldNames(); names.hasNext(); ) {
            String name = names.next();
            if (!FIELDS.contains(name)) {
                throw new UserError(where + "unknown field '" + name + "' (expected prompt, seed, id)");
            }
        }
        JsonNode prompt = node.get("prompt");
        if (prompt == null || !prompt.isTextual() || prompt.asText().isBlank()) {
            throw new UserError(where + "'prompt' must be a non-empty string");
        }
        JsonNode seed = node.get("seed");
        if (seed != null && !seed.isNull() && (!seed.canConvertToLong() || !seed.isIntegralNumber() || seed.asLong() < 0)) {
            throw new UserError(where + "'seed' must be a whole number >= 0, got " + seed);
        }
        JsonNode id = node.get("id");
        return new Line(prompt.asText(), seed == null || seed.isNull() ? null : seed.asLong(),
                id == null || id.isNull() ? null : id.asText());
    }
}
