package io.vqgen.text;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.vqgen.Reference;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Token ids against the reference pipeline's own (transformers 4.30.2 + ftfy 6.1.1), case by case. */
class ClipTokenizerReferenceTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    static Path temp;
    private static JsonNode cases;
    private static ClipTokenizer clip;
    private static ClipTokenizer clipPadBang;

    @BeforeAll
    static void load() throws IOException {
        cases = JSON.readTree(Reference.path("tokenizer-cases", "public.json").toFile()).get("cases");
        clip = ClipTokenizer.load(Reference.path("tokenizer-clip"));
        clipPadBang = ClipTokenizer.load(withPadToken(Reference.path("tokenizer-clip"), temp.resolve("pad-bang"), "!"));
    }

    /** The same vocabulary configured as microsoft/vq-diffusion-ithq's tokenizer: pad_token "!" (a plain string). */
    static Path withPadToken(Path source, Path target, String pad) throws IOException {
        Files.createDirectories(target);
        for (String file : List.of("vocab.json", "merges.txt")) {
            Files.copy(source.resolve(file), target.resolve(file));
        }
        for (String file : List.of("tokenizer_config.json", "special_tokens_map.json")) {
            ObjectNode json = (ObjectNode) JSON.readTree(source.resolve(file).toFile());
            json.put("pad_token", pad);
            JSON.writeValue(target.resolve(file).toFile(), json);
        }
        return target;
    }

    @Test
    void pipelineIdsMatchEveryPublicCaseWithBothPadTokens() {
        List<String> failures = new ArrayList<>();
        for (JsonNode c : cases) {
            String text = c.get("text").asText();
            check(failures, c, "input_ids", ints(c.get("input_ids")), clip.encodeForPipeline(text));
            check(failures, c, "input_ids_pad_bang", ints(c.get("input_ids_pad_bang")),
                    clipPadBang.encodeForPipeline(text));
        }
        assertTrue(failures.isEmpty(), failures.size() + " mismatches of " + 2 * cases.size() + ":\n"
                + String.join("\n", failures));
    }

    @Test
    void tokensNormalizedTextAndLengthsMatchEveryPublicCase() {
        List<String> failures = new ArrayList<>();
        for (JsonNode c : cases) {
            String text = c.get("text").asText();
            List<String> expectedTokens = new ArrayList<>();
            c.get("bpe_tokens").forEach(t -> expectedTokens.add(t.asText()));
            check(failures, c, "bpe_tokens", expectedTokens, clip.bpeTokens(text));
            check(failures, c, "normalized", c.get("normalized").asText(), clip.normalize(text));
            int untruncated = clip.encode(text).length;
            check(failures, c, "num_ids_untruncated", c.get("num_ids_untruncated").asInt(), untruncated);
            check(failures, c, "truncated", c.get("truncated").asBoolean(), untruncated > clip.maxLength());
        }
        assertTrue(failures.isEmpty(), failures.size() + " mismatches:\n" + String.join("\n", failures));
    }

    @Test
    void droppedPartOfLongPromptsDecodesToTheCutTokens() {
        int checked = 0;
        for (JsonNode c : cases) {
            List<String> tail = new ArrayList<>();
            c.get("bpe_tokens").forEach(t -> tail.add(t.asText()));
            if (!c.get("truncated").asBoolean() || !String.join("", tail).chars().allMatch(ch -> ch < 0x7F)) {
                continue;
            }
            // ids 0..76 are bos and the first 76 tokens; the rest and eos are dropped
            String expected = (String.join("", tail.subList(clip.maxLength() - 1, tail.size())) + "<|endoftext|>")
                    .replace("</w>", " ").strip();
            int[] ids = clip.encode(c.get("text").asText());
            assertEquals(expected, clip.decode(Arrays.copyOfRange(ids, clip.maxLength(), ids.length)), c.get("id").asText());
            checked++;
        }
        assertTrue(checked >= 2, "ASCII-only truncated cases checked: " + checked);
    }

    /**
     * Case-insensitive matching in the reference's regex module (checked with it): U+0345 matches no branch and
     * vanishes, and "'ſ" (long s) is the contraction "'s" kept as one pre-token.
     */
    @Test
    void preTokenizerFollowsTheRegexModulesCaseInsensitiveMatching() {
        assertEquals(List.of("a</w>", "b</w>"), clip.bpeTokens("a\u0345b \u0345"));
        assertEquals(clip.bpeTokens("it"), clip.bpeTokens("it\u0345"));
        assertEquals(List.of("it</w>", "'", "Å", "¿</w>"), clip.bpeTokens("it'\u017f"));
    }

    @Test
    void nullPromptIsRefused() {
        TextException e = assertThrows(TextException.class,
                () -> clip.encodeForPipeline(null));
        assertEquals("prompt is null (expected a string; the empty string is the unconditional prompt)", e.getMessage());
    }

    @Test
    void matchesOpenAiSimpleTokenizerCheck() throws IOException {
        JsonNode check = JSON.readTree(Reference.path("tokenizer-cases", "clip_simple_tokenizer_check.json").toFile());
        for (JsonNode c : check.get("cases")) {
            int[] ids = clip.encode(c.get("text").asText());
            assertEquals(Arrays.toString(ints(c.get("hf_clip_tokenizer"))), Arrays.toString(ids), c.get("text").asText());
            assertEquals(Arrays.toString(ints(c.get("simple_tokenizer"))), Arrays.toString(ids), c.get("text").asText());
        }
    }

    @Test
    void tinyModelsGetTheIdsTheirPipelinesWereFed() throws IOException {
        for (String model : List.of("tiny-a", "tiny-b")) {
            ClipTokenizer tiny = ClipTokenizer.load(Reference.path(model, "model", "tokenizer"));
            assertEquals(77, tiny.maxLength());
            JsonNode modelCases = JSON.readTree(Reference.path(model, "cases.json").toFile()).get("cases");
            for (JsonNode c : modelCases) {
                List<String> prompts = new ArrayList<>();
                if (c.get("prompt").isArray()) {
                    c.get("prompt").forEach(p -> prompts.add(p.asText()));
                } else {
                    prompts.add(c.get("prompt").asText());
                }
                JsonNode ids = c.get("input_ids");
                assertEquals(prompts.size(), ids.size(), model + " " + c.get("id"));
                for (int i = 0; i < prompts.size(); i++) {
                    assertEquals(Arrays.toString(ints(ids.get(i))), Arrays.toString(tiny.encodeForPipeline(prompts.get(i))),
                            model + " " + c.get("id").asText() + " prompt " + i);
                }
                JsonNode uncond = c.get("uncond_input_ids");
                if (uncond != null && !uncond.isNull()) {
                    for (JsonNode row : uncond) {
                        assertEquals(Arrays.toString(ints(row)), Arrays.toString(tiny.encodeUnconditional()),
                                model + " " + c.get("id").asText() + " uncond");
                    }
                }
            }
        }
    }

    private static void check(List<String> failures, JsonNode c, String field, Object expected, Object actual) {
        boolean same = expected instanceof int[] e && actual instanceof int[] a ? Arrays.equals(e, a) : expected.equals(actual);
        if (!same) {
            failures.add(c.get("id").asText() + " " + field + " " + JSON.valueToTree(c.get("text"))
                    + "\n   expected " + show(expected) + "\n   actual   " + show(actual));
        }
    }

    private static String show(Object o) {
        return o instanceof int[] a ? Arrays.toString(a) : String.valueOf(o);
    }

    static int[] ints(JsonNode array) {
        int[] out = new int[array.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = array.get(i).asInt();
        }
        return out;
    }
}
