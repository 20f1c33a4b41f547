package io.vqgen.text;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.GZIPInputStream;

/**
 * Writes the tokenizer folder of a model converted from the research release: from the release's own BPE file
 * ({@code bpe_simple_vocab_16e6.txt.gz}, read as its SimpleTokenizer reads it), or from a CLIP tokenizer folder. The
 * folder is a transformers CLIPTokenizer folder whose pad token is the release's {@code pad_value} id and whose
 * tokenizer_config.json carries {@code "vqgen_text_convention": "vq-diffusion"} (see {@link ClipTokenizer}).
 */
public final class ResearchTokenizerFiles {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String BOS = "<|startoftext|>";
    private static final String EOS = "<|endoftext|>";

    private ResearchTokenizerFiles() {
    }

    /**
     * SimpleTokenizer(end_idx, bpe_path): merges are lines 1 .. end_idx − 257 of the file; the vocabulary is the 256
     * byte symbols in bytes_to_unicode order, the same with {@code </w>}, one entry per merge, then the two framing
     * tokens (end_idx + 256 ids in all).
     */
    public static void fromBpe(Path bpeGz, int endIdx, int maxLength, int padId, Path out) {
        List<String> lines;
        try (InputStream in = new GZIPInputStream(Files.newInputStream(bpeGz))) {
            lines = List.of(new String(in.readAllBytes(), StandardCharsets.UTF_8).split("\n"));
        } catch (NoSuchFileException e) {
            throw new TextException(bpeGz + ": file not found (the release's BPE merges, e.g. "
                    + "image_synthesis/modeling/modules/clip/bpe_simple_vocab_16e6.txt.gz)");
        } catch (IOException e) {
            throw new TextException(bpeGz + ": not a gzipped BPE merges file: " + e.getMessage());
        }
        int merges = endIdx - 256 - 2;
        if (merges < 0 || lines.size() < merges + 1) {
            throw new TextException(bpeGz + ": holds " + Math.max(0, lines.size() - 1) + " merges, but end_idx "
                    + endIdx + " asks for " + merges);
        }
        Map<String, Integer> vocab = new LinkedHashMap<>();
        List<Character> symbols = byteSymbolsInOrder();
        symbols.forEach(c -> vocab.put(String.valueOf(c), vocab.size()));
        symbols.forEach(c -> vocab.put(c + ByteLevelBpe.END_OF_WORD, vocab.size()));
        StringBuilder mergesTxt = new StringBuilder("#version: 0.2\n");
        for (int i = 1; i <= merges; i++) {
            String[] pair = lines.get(i).split(" ");
            if (pair.length != 2) {
                throw new TextException(bpeGz + ": line " + (i + 1) + " is not a merge of two symbols: '" + lines.get(i) + "'");
            }
            vocab.putIfAbsent(pair[0] + pair[1], vocab.size());
            mergesTxt.append(pair[0]).append(' ').append(pair[1]).append('\n');
        }
        vocab.put(BOS, vocab.size());
        vocab.put(EOS, vocab.size());
        String pad = tokenWithId(vocab, padId, bpeGz.toString());
        try {
            Files.createDirectories(out);
            JSON.writerWithDefaultPrettyPrinter().writeValue(out.resolve(TokenizerFolder.VOCAB).toFile(), vocab);
            Files.writeString(out.resolve(TokenizerFolder.MERGES), mergesTxt);
            ObjectNode config = JSON.createObjectNode();
            config.put("model_max_length", maxLength);
            writeSpecial(out, config, pad);
        } catch (IOException e) {
            throw new TextException(out + ": cannot write the tokenizer: " + e.getMessage());
        }
    }

    /** Copies a CLIP tokenizer folder, setting its pad token to id {@code padId} and the research text convention. */
    public static void fromFolder(Path tokenizerDir, int maxLength, int padId, Path out) {
        TokenizerFolder folder = TokenizerFolder.read(tokenizerDir);
        if (folder.maxLength() != maxLength) {
            throw new TextException(tokenizerDir.resolve(TokenizerFolder.CONFIG) + ": model_max_length "
                    + folder.maxLength() + " differs from the release's context_length " + maxLength);
        }
        String pad = tokenWithId(folder.vocab(), padId, tokenizerDir.resolve(TokenizerFolder.VOCAB).toString());
        try {
            Files.createDirectories(out);
            Files.copy(tokenizerDir.resolve(TokenizerFolder.VOCAB), out.resolve(TokenizerFolder.VOCAB));
            Files.copy(tokenizerDir.resolve(TokenizerFolder.MERGES), out.resolve(TokenizerFolder.MERGES));
            JsonNode existing = JSON.readTree(tokenizerDir.resolve(TokenizerFolder.CONFIG).toFile());
            writeSpecial(out, existing.isObject() ? (ObjectNode) existing.deepCopy() : JSON.createObjectNode(), pad);
        } catch (IOException e) {
            throw new TextException(out + ": cannot write the tokenizer: " + e.getMessage());
        }
    }

    private static void writeSpecial(Path out, ObjectNode config, String pad) throws IOException {
        config.put("tokenizer_class", "CLIPTokenizer");
        config.put("do_lower_case", true);
        config.put("bos_token", BOS);
        config.put("eos_token", EOS);
        config.put("unk_token", EOS);
        config.put("pad_token", pad);
        config.put(TokenizerFolder.TEXT_CONVENTION, TokenizerFolder.RESEARCH_CONVENTION);
        JSON.writerWithDefaultPrettyPrinter().writeValue(out.resolve(TokenizerFolder.CONFIG).toFile(), config);
        ObjectNode special = JSON.createObjectNode();
        special.put("bos_token", BOS);
        special.put("eos_token", EOS);
        special.put("unk_token", EOS);
        special.put("pad_token", pad);
        JSON.writerWithDefaultPrettyPrinter().writeValue(out.resolve(TokenizerFolder.SPECIAL_TOKENS_MAP).toFile(), special);
    }

    private static String tokenWithId(Map<String, Integer> vocab, int id, String source) {
        for (Map.Entry<String, Integer> e : vocab.entrySet()) {
            if (e.getValue() == id) {
                return e.getKey();
            }
        }
        throw new TextException(source + ": no token has id " + id + " (the release's pad_value)");
    }

    /** bytes_to_unicode's order: the printable ranges '!'..'~', '¡'..'¬', '®'..'ÿ', then the other bytes ascending. */
    private static List<Character> byteSymbolsInOrder() {
        List<Integer> order = new ArrayList<>();
        for (int b = '!'; b <= '~'; b++) {
            order.add(b);
        }
        for (int b = 0xA1; b <= 0xAC; b++) {
            order.add(b);
        }
        for (int b = 0xAE; b <= 0xFF; b++) {
            order.add(b);
        }
        for (int b = 0; b < 256; b++) {
            if (!order.contains(b)) {
                order.add(b);
            }
        }
        List<Character> out = new ArrayList<>();
        order.forEach(b -> out.add(ByteLevelBpe.BYTE_TO_CHAR[b]));
        return out;
    }
}
