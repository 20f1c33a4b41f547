package io.vqgen.text;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The tokenizer of a model converted from the research release: written from the release's gzipped BPE file (as its
 * SimpleTokenizer reads it) or from a CLIP folder, padded with id 0, cut keeping eos, HTML-unescaped after ftfy.
 */
class ResearchTokenizerTest {
    static final Path TINY = Path.of("sample-data/model/tokenizer");
    /** vqgen's tiny tokenizer as the release's gzipped merges file (tools/reference/research_goldens.py writes it). */
    static final Path TINY_BPE = Path.of("src/test/reference/research/tiny/tiny_bpe.txt.gz");
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path tmp;

    @Test
    void theBpeFileGivesTheVocabularyOfTheCorrespondingClipFolder() throws IOException {
        Path out = tmp.resolve("tok");
        ResearchTokenizerFiles.fromBpe(TINY_BPE, 593, 77, 0, out);
        assertEquals(JSON.readTree(TINY.resolve("vocab.json").toFile()), JSON.readTree(out.resolve("vocab.json").toFile()));
        assertEquals(Files.readString(TINY.resolve("merges.txt")).strip(), Files.readString(out.resolve("merges.txt")).strip());
        ClipTokenizer t = ClipTokenizer.load(out);
        assertEquals(0, t.padId());
        assertEquals(847, t.bosId());
        assertEquals(848, t.eosId());
        TextException e = assertThrows(TextException.class, () -> ResearchTokenizerFiles.fromBpe(TINY_BPE, 49152, 77, 0,
                tmp.resolve("big")));
        assertEquals(TINY_BPE + ": holds 335 merges, but end_idx 49152 asks for 48894", e.getMessage());
    }

    @Test
    void cutsLongPromptsKeepingEosAsTheReleaseDoes() {
        Path out = tmp.resolve("tok");
        ResearchTokenizerFiles.fromFolder(TINY, 77, 0, out);
        ClipTokenizer research = ClipTokenizer.load(out);
        ClipTokenizer diffusers = ClipTokenizer.load(TINY);
        String prompt = "a red bus ".repeat(40);
        int[] ours = research.encodeForPipeline(prompt);
        int[] theirs = diffusers.encodeForPipeline(prompt);
        assertEquals(77, ours.length);
        assertEquals(research.eosId(), ours[76], "the release keeps eos as the last id");
        assertNotEquals(diffusers.eosId(), theirs[76], "diffusers' pipeline cuts after 77 ids, eos included");
        assertArrayEquals(Arrays.copyOf(theirs, 76), Arrays.copyOf(ours, 76));
        // short prompts: identical ids, padded with id 0
        assertArrayEquals(diffusers.encodeForPipeline("a red bus"), research.encodeForPipeline("a red bus"));
        assertEquals(0, research.encodeForPipeline("a red bus")[10]);
    }

    @Test
    void unescapesHtmlTwiceAfterFixingTheText() {
        Path out = tmp.resolve("tok");
        ResearchTokenizerFiles.fromFolder(TINY, 77, 0, out);
        ClipTokenizer research = ClipTokenizer.load(out);
        ClipTokenizer diffusers = ClipTokenizer.load(TINY);
        // ftfy leaves entities alone in text that shows a '<' (it may be HTML); the release's basic_clean then
        // unescapes twice anyway: html.unescape(html.unescape(ftfy.fix_text(text)))
        assertEquals("x < y & z", research.normalize("x < y &amp;amp; z"));
        assertEquals("x < y &amp;amp; z", diffusers.normalize("x < y &amp;amp; z"));
        assertEquals("a red bus", research.normalize("  A  Red\tBUS "));
    }

    @Test
    void refusesAnUnknownTextConventionAndAPadIdOutsideTheVocabulary() throws IOException {
        Path out = tmp.resolve("tok");
        ResearchTokenizerFiles.fromFolder(TINY, 77, 0, out);
        JsonNode config = JSON.readTree(out.resolve("tokenizer_config.json").toFile());
        assertEquals("vq-diffusion", config.path("vqgen_text_convention").asText());
        ((ObjectNode) config).put("vqgen_text_convention", "dalle");
        JSON.writeValue(out.resolve("tokenizer_config.json").toFile(), config);
        TextException e = assertThrows(TextException.class, () -> ClipTokenizer.load(out));
        assertTrue(e.getMessage().endsWith("tokenizer_config.json: vqgen_text_convention must be \"vq-diffusion\" (the "
                + "research release's text handling) or absent, got \"dalle\""), e.getMessage());
        e = assertThrows(TextException.class, () -> ResearchTokenizerFiles.fromFolder(TINY, 77, 5000, tmp.resolve("t2")));
        assertEquals(TINY.resolve("vocab.json") + ": no token has id 5000 (the release's pad_value)", e.getMessage());
    }
}
