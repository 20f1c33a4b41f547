package io.vqgen.text;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * CLIP's byte-level BPE: a pre-token's UTF-8 bytes become printable stand-in characters (GPT-2's byte↔unicode
 * table), the last one gets the end-of-word marker {@code </w>}, and adjacent symbols are merged, lowest merge rank
 * first, until no ranked pair is left. Results are cached per pre-token. Thread-safe.
 */
final class ByteLevelBpe {
    static final String END_OF_WORD = "</w>";
    /** Pre-tokens the reference returns unchanged (its cache is seeded with them): CLIP's literal framing tokens. */
    private static final List<String> VERBATIM = List.of("<|startoftext|>", "<|endoftext|>");
    private static final int CACHE_LIMIT = 200_000;
    static final char[] BYTE_TO_CHAR = byteToChar();
    private static final int[] CHAR_TO_BYTE = charToByte();

    private final Map<String, Integer> ranks;
    private final Map<String, List<String>> cache = new ConcurrentHashMap<>();

    /** @param ranks merge rank by "first second" */
    ByteLevelBpe(Map<String, Integer> ranks) {
        this.ranks = ranks;
    }

    /** The BPE symbols of one pre-token (a match of CLIP's pre-tokenizer pattern). */
    List<String> encode(String preToken) {
        String word = byteEncode(preToken);
        List<String> cached = cache.get(word);
        if (cached != null) {
            return cached;
        }
        List<String> symbols = VERBATIM.contains(word) ? List.of(word) : merge(word);
        if (cache.size() >= CACHE_LIMIT) {
            cache.clear();
        }
        cache.put(word, symbols);
        return symbols;
    }

    /** The byte string a symbol sequence stands for (for messages: inverse of the byte table). */
    static byte[] byteDecode(String symbols) {
        byte[] out = new byte[symbols.length()];
        int n = 0;
        for (int i = 0; i < symbols.length(); i++) {
            char c = symbols.charAt(i);
            int b = c < CHAR_TO_BYTE.length ? CHAR_TO_BYTE[c] : -1;
            if (b >= 0) {
                out[n++] = (byte) b;
            }
        }
        return Arrays.copyOf(out, n);
    }

    private List<String> merge(String word) {
        List<String> symbols = new ArrayList<>(word.length());
        for (int i = 0; i < word.length() - 1; i++) {
            symbols.add(String.valueOf(word.charAt(i)));
        }
        symbols.add(word.charAt(word.length() - 1) + END_OF_WORD);
        while (symbols.size() > 1) {
            int best = Integer.MAX_VALUE;
            String first = null;
            String second = null;
            for (int i = 0; i + 1 < symbols.size(); i++) {
                Integer rank = ranks.get(symbols.get(i) + " " + symbols.get(i + 1));
                if (rank != null && rank < best) {
                    best = rank;
                    first = symbols.get(i);
                    second = symbols.get(i + 1);
                }
            }
            if (first == null) {
                break;
            }
            List<String> merged = new ArrayList<>(symbols.size());
            for (int i = 0; i < symbols.size(); i++) {
                if (i + 1 < symbols.size() && symbols.get(i).equals(first) && symbols.get(i + 1).equals(second)) {
                    merged.add(first + second);
                    i++;
                } else {
                    merged.add(symbols.get(i));
                }
            }
            symbols = merged;
        }
        return List.copyOf(symbols);
    }

    static String byteEncode(String text) {
        byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
        char[] chars = new char[bytes.length];
        for (int i = 0; i < bytes.length; i++) {
            chars[i] = BYTE_TO_CHAR[bytes[i] & 0xFF];
        }
        return new String(chars);
    }

    private static int[] charToByte() {
        int[] table = new int[512];
        Arrays.fill(table, -1);
        for (int b = 0; b < 256; b++) {
            table[BYTE_TO_CHAR[b]] = b;
        }
        return table;
    }

    /** Printable bytes ('!'..'~', '¡'..'¬', '®'..'ÿ') stand for themselves; the others map to U+0100 upwards. */
    private static char[] byteToChar() {
        char[] table = new char[256];
        int next = 256;
        for (int b = 0; b < 256; b++) {
            boolean printable = (b >= '!' && b <= '~') || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE && b <= 0xFF);
            table[b] = printable ? (char) b : (char) next++;
        }
        return table;
    }
}
