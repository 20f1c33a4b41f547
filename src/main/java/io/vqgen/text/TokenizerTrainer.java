package io.vqgen.text;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;

/**
 * Learns a small CLIP-format byte-level BPE vocabulary from a corpus and writes it as a tokenizer folder
 * (vocab.json, merges.txt, tokenizer_config.json, special_tokens_map.json) that {@link ClipTokenizer} and
 * transformers' CLIPTokenizer read. The vocabulary is laid out as CLIP's: the 256 byte symbols, the same with
 * {@code </w>}, one entry per merge, then {@code <|startoftext|>} and {@code <|endoftext|>}. Training is greedy
 * (most frequent adjacent pair first, ties broken by the pair's text) and so fully deterministic.
 */
public final class TokenizerTrainer {
    static final String BOS = "<|startoftext|>";
    static final String EOS = "<|endoftext|>";
    private static final int BASE = 512;
    private static final ObjectMapper JSON = new ObjectMapper();

    private TokenizerTrainer() {
    }

    /** The smallest vocabulary this layout allows: bytes, bytes with end-of-word, bos and eos. */
    public static int minimumVocabSize() {
        return BASE + 2;
    }

    /**
     * @param vocabSize total entries wanted; fewer merges are learned if the corpus runs out of pairs, so the
     *                  returned size may be smaller
     * @param padToken  "!" (as microsoft/vq-diffusion-ithq) or {@code <|endoftext|>}
     * @return the vocabulary size written
     */
    public static int write(Path dir, List<String> corpus, int vocabSize, String padToken) throws IOException {
        if (vocabSize < minimumVocabSize()) {
            throw new IllegalArgumentException("vocabulary size must be at least " + minimumVocabSize() + ", got "
                    + vocabSize);
        }
        List<String> merges = learnMerges(corpus, vocabSize - minimumVocabSize());
        Map<String, Integer> vocab = new LinkedHashMap<>();
        List<String> bytes = new ArrayList<>();
        for (char c : printableFirstOrder()) {
            bytes.add(String.valueOf(c));
        }
        bytes.forEach(b -> vocab.put(b, vocab.size()));
        bytes.forEach(b -> vocab.put(b + ByteLevelBpe.END_OF_WORD, vocab.size()));
        for (String merge : merges) {
            vocab.putIfAbsent(merge.replace(" ", ""), vocab.size());
        }
        vocab.put(BOS, vocab.size());
        vocab.put(EOS, vocab.size());
        Files.createDirectories(dir);
        Files.writeString(dir.resolve(TokenizerFolder.VOCAB), JSON.writeValueAsString(vocab), StandardCharsets.UTF_8);
        Files.writeString(dir.resolve(TokenizerFolder.MERGES), "#version: 0.2\n" + String.join("\n", merges) + "\n",
                StandardCharsets.UTF_8);
        ObjectNode config = JSON.createObjectNode();
        config.put("add_prefix_space", false);
        config.set("bos_token", addedToken(BOS, true));
        config.put("clean_up_tokenization_spaces", true);
        config.put("do_lower_case", true);
        config.set("eos_token", addedToken(EOS, true));
        config.put("errors", "replace");
        config.put("model_max_length", 77);
        config.put("pad_token", padToken);
        config.put("tokenizer_class", "CLIPTokenizer");
        config.set("unk_token", addedToken(EOS, true));
        JSON.writerWithDefaultPrettyPrinter().writeValue(dir.resolve(TokenizerFolder.CONFIG).toFile(), config);
        ObjectNode special = JSON.createObjectNode();
        special.set("bos_token", addedToken(BOS, false));
        special.set("eos_token", addedToken(EOS, false));
        special.put("pad_token", padToken);
        special.set("unk_token", addedToken(EOS, false));
        JSON.writerWithDefaultPrettyPrinter().writeValue(dir.resolve(TokenizerFolder.SPECIAL_TOKENS_MAP).toFile(),
                special);
        return vocab.size();
    }

    private static ObjectNode addedToken(String content, boolean typed) {
        ObjectNode node = JSON.createObjectNode();
        if (typed) {
            node.put("__type", "AddedToken");
        }
        node.put("content", content);
        node.put("lstrip", false);
        node.put("normalized", true);
        node.put("rstrip", false);
        node.put("single_word", false);
        return node;
    }

    /** CLIP's byte-symbol order: the printable bytes in byte order, then the others (mapped to U+0100 upwards). */
    private static List<Character> printableFirstOrder() {
        List<Character> printable = new ArrayList<>();
        List<Character> others = new ArrayList<>();
        for (int b = 0; b < 256; b++) {
            char c = ByteLevelBpe.BYTE_TO_CHAR[b];
            (c == b ? printable : others).add(c);
        }
        printable.addAll(others);
        return printable;
    }

    static List<String> learnMerges(List<String> corpus, int maxMerges) {
        Map<List<String>, Integer> words = new HashMap<>();
        for (String line : corpus) {
            Matcher m = ClipTokenizer.PRE_TOKEN.matcher(line.strip().toLowerCase(Locale.ROOT));
            while (m.find()) {
                String symbols = ByteLevelBpe.byteEncode(m.group());
                List<String> word = new ArrayList<>();
                for (int i = 0; i < symbols.length(); i++) {
                    word.add(String.valueOf(symbols.charAt(i)));
                }
                word.set(word.size() - 1, word.get(word.size() - 1) + ByteLevelBpe.END_OF_WORD);
                words.merge(word, 1, Integer::sum);
            }
        }
        List<String> merges = new ArrayList<>();
        while (merges.size() < maxMerges) {
            TreeMap<String, Integer> pairs = new TreeMap<>();
            words.forEach((word, count) -> {
                for (int i = 0; i + 1 < word.size(); i++) {
                    pairs.merge(word.get(i) + " " + word.get(i + 1), count, Integer::sum);
                }
            });
            String best = null;
            int bestCount = 0;
            for (Map.Entry<String, Integer> e : pairs.entrySet()) {
                if (e.getValue() > bestCount) {
                    best = e.getKey();
                    bestCount = e.getValue();
                }
            }
            if (best == null) {
                break;
            }
            merges.add(best);
            words = applyMerge(words, best);
        }
        return merges;
    }

    private static Map<List<String>, Integer> applyMerge(Map<List<String>, Integer> words, String pair) {
        int space = pair.indexOf(' ');
        String first = pair.substring(0, space);
        String second = pair.substring(space + 1);
        Map<List<String>, Integer> out = new HashMap<>();
        words.forEach((word, count) -> {
            List<String> merged = new ArrayList<>(word.size());
            for (int i = 0; i < word.size(); i++) {
                if (i + 1 < word.size() && word.get(i).equals(first) && word.get(i + 1).equals(second)) {
                    merged.add(first + second);
                    i++;
                } else {
                    merged.add(word.get(i));
                }
            }
            out.merge(merged, count, Integer::sum);
        });
        return out;
    }
}
