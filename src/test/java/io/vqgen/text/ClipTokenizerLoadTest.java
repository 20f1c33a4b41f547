package io.vqgen.text;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.vqgen.Reference;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Arrays;
import java.util.List;
import java.util.function.Consumer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Reading tokenizer folders: where the special tokens come from, and clear refusals of broken folders. */
class ClipTokenizerLoadTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path temp;
    private Path dir;

    /** A copy of the tiny model's tokenizer (pad "!", 1000 entries) to break in each test. */
    @BeforeEach
    void copyTinyTokenizer() throws IOException {
        dir = temp.resolve("tokenizer");
        Files.createDirectories(dir);
        Path source = Reference.path("tiny-a", "model", "tokenizer");
        for (String file : List.of("vocab.json", "merges.txt", "tokenizer_config.json", "special_tokens_map.json")) {
            Files.copy(source.resolve(file), dir.resolve(file));
        }
    }

    @Test
    void specialTokensComeFromTheFolder() {
        ClipTokenizer tiny = ClipTokenizer.load(dir);
        assertEquals(998, tiny.bosId());
        assertEquals(999, tiny.eosId());
        assertEquals(999, tiny.unkId());
        assertEquals(0, tiny.padId());
        assertEquals(77, tiny.maxLength());
        int[] uncond = tiny.encodeUnconditional();
        assertEquals(77, uncond.length);
        assertArrayEquals(new int[] {998, 999, 0, 0}, Arrays.copyOf(uncond, 4));
    }

    @Test
    void specialTokensMapOverridesTokenizerConfig() throws IOException {
        editJson("special_tokens_map.json", json -> json.put("pad_token", "<|endoftext|>"));
        assertEquals(999, ClipTokenizer.load(dir).padId());
    }

    @Test
    void maxLengthComesFromTokenizerConfig() throws IOException {
        editJson("tokenizer_config.json", json -> json.put("model_max_length", 16));
        ClipTokenizer tokenizer = ClipTokenizer.load(dir);
        assertEquals(16, tokenizer.maxLength());
        assertEquals(16, tokenizer.encodeForPipeline("a red double decker bus driving down a busy street").length);
    }

    @Test
    void plainStringPadTokenEatsSurroundingWhitespaceButAddedTokensDoNot() throws IOException {
        ClipTokenizer tiny = ClipTokenizer.load(dir);
        // "!" is a plain string: "a ! b" splits into "a", "!", "b" exactly like "a!b"
        assertEquals(tiny.bpeTokens("a!b"), tiny.bpeTokens("a ! b"));
        assertEquals(List.of("a</w>", "!", "b</w>"), tiny.bpeTokens("a ! b"));
        // the same token as an AddedToken with lstrip/rstrip false keeps them: whitespace_clean drops them anyway
        editJson("special_tokens_map.json", json -> json.putObject("pad_token").put("content", "!")
                .put("lstrip", false).put("rstrip", false));
        assertEquals(List.of("a</w>", "!", "b</w>"), ClipTokenizer.load(dir).bpeTokens("a ! b"));
    }

    @Test
    void missingFolderIsRefused() {
        TextException e = assertThrows(TextException.class, () -> ClipTokenizer.load(temp.resolve("nope")));
        assertTrue(e.getMessage().contains("nope: tokenizer folder not found"), e.getMessage());
    }

    @Test
    void eachMissingFileIsNamed() throws IOException {
        for (String file : List.of("vocab.json", "merges.txt", "tokenizer_config.json", "special_tokens_map.json")) {
            Path moved = temp.resolve(file + ".bak");
            Files.move(dir.resolve(file), moved);
            TextException e = assertThrows(TextException.class, () -> ClipTokenizer.load(dir));
            assertTrue(e.getMessage().contains(file + ": missing"), e.getMessage());
            Files.move(moved, dir.resolve(file));
        }
    }

    @Test
    void corruptVocabIsRefused() throws IOException {
        Files.writeString(dir.resolve("vocab.json"), "{\"a\": 1,");
        assertMessage("vocab.json: not valid JSON (expected a JSON object mapping each token to its integer id)");
        Files.writeString(dir.resolve("vocab.json"), "[1, 2]");
        assertMessage("vocab.json: expected a JSON object mapping each token to its integer id");
        Files.writeString(dir.resolve("vocab.json"), "{\"a\": \"x\"}");
        assertMessage("vocab.json: token 'a' has id \"x\" (expected a non-negative integer)");
        Files.write(dir.resolve("vocab.json"), new byte[] {'{', (byte) 0xFF, '}'});
        assertMessage("vocab.json: not valid UTF-8");
    }

    @Test
    void corruptMergesAreRefused() throws IOException {
        Files.writeString(dir.resolve("merges.txt"), "  \n");
        assertMessage("merges.txt: empty (expected a '#version' line, then one merge 'a b' per line)");
        Files.writeString(dir.resolve("merges.txt"), "#version: 0.2\nt h\nthe\n", StandardCharsets.UTF_8);
        assertMessage("merges.txt: line 3 is 'the' (expected two symbols separated by a space)");
    }

    @Test
    void badConfigValuesAreRefused() throws IOException {
        editJson("tokenizer_config.json", json -> json.remove("model_max_length"));
        assertMessage("tokenizer_config.json: model_max_length must be an integer between 2 and 65536");
        restoreConfigs();
        editJson("tokenizer_config.json", json -> json.put("model_max_length", 1e30));
        assertMessage("tokenizer_config.json: model_max_length must be an integer");
        restoreConfigs();
        editJson("special_tokens_map.json", json -> json.put("pad_token", 5));
        assertMessage("special_tokens_map.json: pad_token must be a string or an object with a \"content\" string, got 5");
        restoreConfigs();
        editJson("special_tokens_map.json", json -> json.put("pad_token", "<pad>"));
        assertMessage("special token pad_token '<pad>' is not in vocab.json");
    }

    @Test
    void addedTokensAreRefused() throws IOException {
        Files.writeString(dir.resolve("added_tokens.json"), "{\"<x>\": 1000}");
        assertMessage("added_tokens.json: added tokens are not supported");
    }

    private void restoreConfigs() throws IOException {
        for (String file : List.of("tokenizer_config.json", "special_tokens_map.json")) {
            Files.copy(Reference.path("tiny-a", "model", "tokenizer", file), dir.resolve(file),
                    StandardCopyOption.REPLACE_EXISTING);
        }
    }

    private void assertMessage(String expectedPart) {
        TextException e = assertThrows(TextException.class, () -> ClipTokenizer.load(dir));
        assertTrue(e.getMessage().contains(expectedPart), e.getMessage());
    }

    private void editJson(String file, Consumer<ObjectNode> edit) throws IOException {
        ObjectNode json = (ObjectNode) JSON.readTree(dir.resolve(file).toFile());
        edit.accept(json);
        JSON.writeValue(dir.resolve(file).toFile(), json);
    }
}
