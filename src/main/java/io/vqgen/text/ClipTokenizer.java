package io.vqgen.text;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * CLIP's tokenizer exactly as diffusers' VQDiffusionPipeline uses it (transformers 4.30 slow CLIPTokenizer with
 * ftfy 6.1.1): special tokens are cut out of the raw prompt; each remaining piece goes through ftfy's fix_text,
 * whitespace collapsing and lower-casing, CLIP's pre-tokenizer pattern and byte-level BPE; the ids are framed
 * by bos/eos, padded to {@link #maxLength()} and cut there. Thread-safe.
 *
 * <p>A folder converted from the research release ({@code "vqgen_text_convention": "vq-diffusion"} in
 * tokenizer_config.json) tokenizes as the release's {@code clip.tokenize} with its {@code SimpleTokenizer}: the
 * prompt is lower-cased, fixed by ftfy and then HTML-unescaped twice (entities ending in ';'; Python's
 * {@code html.unescape} also decodes a few legacy entities written without one), and a prompt longer than
 * {@link #maxLength()} keeps its first ids with eos as the last one. Padding is the folder's pad token (the
 * conversion sets it to id 0, the release's {@code pad_value}).
 */
public final class ClipTokenizer {
    private static final Logger LOG = LoggerFactory.getLogger(ClipTokenizer.class);
    /** The regex module's \s (Unicode White_Space), used by transformers' whitespace_clean. */
    private static final Pattern WHITESPACE_RUN = Pattern.compile(
            "[\\t\\n\\x{0b}\\f\\r \\x{85}\\x{a0}\\x{1680}\\x{2000}-\\x{200a}\\x{2028}\\x{2029}\\x{202f}\\x{205f}\\x{3000}]+");
    /**
     * CLIP's pre-tokenizer: framing tokens, English contractions, letter runs, single digits, runs of anything else
     * but whitespace. The reference matches case-insensitively (regex module), which makes U+0345 (a combining
     * mark whose upper case is a letter) match no branch: it is dropped, so it is left out here too.
     */
    static final Pattern PRE_TOKEN = Pattern.compile(
            "<\\|startoftext\\|>|<\\|endoftext\\|>|'s|'t|'re|'ve|'m|'ll|'d|\\p{L}+|\\p{N}"
                    + "|[^\\t\\n\\x{0b}\\f\\r \\x{85}\\x{a0}\\x{1680}\\x{2000}-\\x{200a}\\x{2028}\\x{2029}\\x{202f}"
                    + "\\x{205f}\\x{3000}\\x{345}\\p{L}\\p{N}]+",
            Pattern.CASE_INSENSITIVE | Pattern.UNICODE_CASE);

    private final TokenizerFolder folder;
    private final ByteLevelBpe bpe;
    private final Map<Integer, String> tokensById;

    private ClipTokenizer(TokenizerFolder folder) {
        this.folder = folder;
        this.bpe = new ByteLevelBpe(folder.mergeRanks());
        this.tokensById = new HashMap<>(folder.vocab().size() * 2);
        folder.vocab().forEach((token, id) -> tokensById.putIfAbsent(id, token));
    }

    /** Reads a tokenizer folder: vocab.json, merges.txt, tokenizer_config.json, special_tokens_map.json. */
    public static ClipTokenizer load(Path tokenizerDir) {
        return new ClipTokenizer(TokenizerFolder.read(tokenizerDir));
    }

    /** Ids per prompt (tokenizer_config.json's model_max_length; 77 for CLIP). */
    public int maxLength() {
        return folder.maxLength();
    }

    public int bosId() {
        return folder.bos().id();
    }

    public int eosId() {
        return folder.eos().id();
    }

    public int padId() {
        return folder.pad().id();
    }

    public int unkId() {
        return folder.unk().id();
    }

    /**
     * The {@link #maxLength()} ids the pipeline feeds the text encoder for this prompt: bos, tokens, eos, padding.
     * As in the pipeline (which tokenizes without truncation, then keeps the first maxLength ids), a prompt of
     * more than maxLength - 2 tokens is cut with no trailing eos; the dropped part is logged as a warning.
     */
    public int[] encodeForPipeline(String prompt) {
        int[] ids = encode(prompt);
        int n = maxLength();
        if (ids.length > n && folder.researchText()) {
            int[] cut = Arrays.copyOf(ids, n);
            cut[n - 1] = eosId();
            LOG.warn("The prompt was cut to {} tokens (its end kept), as the research release's tokenizer does: ['{}']",
                    n, decode(Arrays.copyOfRange(ids, n - 1, ids.length - 1)));
            return cut;
        }
        if (ids.length > n) {
            LOG.warn("The following part of your input was truncated because CLIP can only handle sequences up to {}"
                    + " tokens: ['{}']", n, decode(Arrays.copyOfRange(ids, n, ids.length)));
        }
        return padOrCut(ids, n);
    }

    /** The ids of the empty prompt, which the pipeline encodes for classifier-free guidance without learned embeddings. */
    public int[] encodeUnconditional() {
        return padOrCut(encode(""), maxLength());
    }

    /** bos, the prompt's token ids, eos: neither padded nor cut. */
    public int[] encode(String prompt) {
        List<String> tokens = bpeTokens(prompt);
        int[] ids = new int[tokens.size() + 2];
        ids[0] = bosId();
        for (int i = 0; i < tokens.size(); i++) {
            ids[i + 1] = folder.vocab().getOrDefault(tokens.get(i), unkId());
        }
        ids[ids.length - 1] = eosId();
        return ids;
    }

    /** The prompt's tokens (transformers' {@code tokenize}): BPE symbols, and special tokens as written. */
    public List<String> bpeTokens(String prompt) {
        requirePrompt(prompt);
        List<String> tokens = new ArrayList<>();
        for (SpecialTokenSplitter.Piece piece : SpecialTokenSplitter.split(prompt, folder.noSplit())) {
            if (piece.special() != null) {
                tokens.add(piece.text());
                continue;
            }
            Matcher m = PRE_TOKEN.matcher(normalize(piece.text()));
            while (m.find()) {
                tokens.addAll(bpe.encode(m.group()));
            }
        }
        return tokens;
    }

    /** The text BPE sees: ftfy's fix_text, whitespace runs collapsed to one space and trimmed, lower-cased. */
    public String normalize(String text) {
        requirePrompt(text);
        String fixed = folder.researchText()
                ? HtmlEntities.unescape(HtmlEntities.unescape(TextFixer.fixText(text.toLowerCase(Locale.ROOT))))
                : TextFixer.fixText(text);
        String collapsed = PythonText.strip(WHITESPACE_RUN.matcher(fixed).replaceAll(" "));
        return collapsed.toLowerCase(Locale.ROOT);
    }

    /** Text of token ids (for messages): symbols joined, bytes decoded as UTF-8, end-of-word markers as spaces. */
    public String decode(int[] ids) {
        StringBuilder symbols = new StringBuilder();
        for (int id : ids) {
            symbols.append(tokensById.getOrDefault(id, ""));
        }
        String text = new String(ByteLevelBpe.byteDecode(symbols.toString()), StandardCharsets.UTF_8);
        return PythonText.strip(text.replace(ByteLevelBpe.END_OF_WORD, " "));
    }

    private static void requirePrompt(String prompt) {
        if (prompt == null) {
            throw new TextException("prompt is null (expected a string; the empty string is the unconditional prompt)");
        }
    }

    private int[] padOrCut(int[] ids, int n) {
        int[] out = new int[n];
        Arrays.fill(out, padId());
        System.arraycopy(ids, 0, out, 0, Math.min(ids.length, n));
        return out;
    }
}
