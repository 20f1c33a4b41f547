package io.vqgen.text;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The files of a transformers CLIP tokenizer folder (a diffusers model's {@code tokenizer/}): vocabulary, merges,
 * maximum length and special tokens, read and checked the way transformers 4.30 reads them.
 *
 * @param vocab token → id
 * @param mergeRanks "first second" → rank
 * @param bos beginning-of-text token
 * @param eos end-of-text token
 * @param unk id for symbols outside the vocabulary
 * @param pad padding token
 * @param noSplit every special token, cut out of the raw text before tokenization
 * @param maxLength model_max_length: ids per prompt the text encoder takes
 * @param researchText tokenizer_config.json's vqgen key {@code "vqgen_text_convention": "vq-diffusion"}: the
 *                     research release's text handling (see {@link ClipTokenizer}) instead of transformers'
 */
record TokenizerFolder(Map<String, Integer> vocab, Map<String, Integer> mergeRanks, SpecialToken bos, SpecialToken eos,
                       SpecialToken unk, SpecialToken pad, List<SpecialToken> noSplit, int maxLength,
                       boolean researchText) {
    static final String TEXT_CONVENTION = "vqgen_text_convention";
    static final String RESEARCH_CONVENTION = "vq-diffusion";

    static final String VOCAB = "vocab.json";
    static final String MERGES = "merges.txt";
    static final String CONFIG = "tokenizer_config.json";
    static final String SPECIAL_TOKENS_MAP = "special_tokens_map.json";

    /** CLIP reads at most this many merges: 49152 - 256 byte symbols - 2 framing tokens. */
    private static final int MAX_MERGES = 49152 - 256 - 2;
    private static final int MAX_LENGTH_LIMIT = 1 << 16;
    /** transformers' special token attributes, in its order (later AddedToken flags win for equal contents). */
    private static final List<String> SPECIAL_KEYS = List.of(
            "bos_token", "eos_token", "unk_token", "sep_token", "pad_token", "cls_token", "mask_token");
    private static final String ADDITIONAL_KEY = "additional_special_tokens";
    private static final ObjectMapper JSON = new ObjectMapper();

    /** A special token as configured, before its id is looked up. */
    private record Declared(String key, String content, boolean addedToken, boolean lstrip, boolean rstrip) {
    }

    static TokenizerFolder read(Path dir) {
        Path abs = dir.toAbsolutePath().normalize();
        if (!Files.isDirectory(abs)) {
            throw new TextException(abs + ": tokenizer folder not found (expected a folder with " + VOCAB + ", "
                    + MERGES + ", " + CONFIG + " and " + SPECIAL_TOKENS_MAP + ")");
        }
        if (Files.exists(abs.resolve("added_tokens.json"))) {
            throw new TextException(abs.resolve("added_tokens.json")
                    + ": added tokens are not supported (expected a plain CLIP tokenizer folder)");
        }
        Map<String, Integer> vocab = readVocab(abs.resolve(VOCAB));
        Map<String, Integer> ranks = readMerges(abs.resolve(MERGES));
        Path configFile = abs.resolve(CONFIG);
        Path mapFile = abs.resolve(SPECIAL_TOKENS_MAP);
        JsonNode config = readObject(configFile, "the tokenizer settings, with model_max_length");
        JsonNode map = readObject(mapFile, "the special tokens, e.g. {\"bos_token\": \"<|startoftext|>\", ...}");
        int maxLength = readMaxLength(configFile, config);

        List<Declared> declared = declareSpecialTokens(configFile, config, mapFile, map);
        Map<String, Declared> flagsByContent = new HashMap<>();
        for (Declared d : declared) {
            if (d.addedToken()) {
                flagsByContent.put(d.content(), d);
            }
        }
        Map<String, SpecialToken> byKey = new LinkedHashMap<>();
        List<SpecialToken> noSplit = new ArrayList<>();
        for (Declared d : declared) {
            Integer id = vocab.get(d.content());
            if (id == null) {
                throw new TextException(abs + ": special token " + d.key() + " '" + d.content() + "' is not in "
                        + VOCAB + " (expected every special token to be a vocabulary entry)");
            }
            Declared flags = flagsByContent.get(d.content());
            // a plain string eats whitespace on both sides, an AddedToken where its flags say
            SpecialToken token = flags == null
                    ? new SpecialToken(d.content(), id, true, true)
                    : new SpecialToken(d.content(), id, flags.lstrip(), flags.rstrip());
            byKey.putIfAbsent(d.key(), token);
            noSplit.add(token);
        }
        return new TokenizerFolder(vocab, ranks, byKey.get("bos_token"), byKey.get("eos_token"),
                byKey.get("unk_token"), byKey.get("pad_token"), List.copyOf(noSplit), maxLength,
                readConvention(configFile, config));
    }

    private static boolean readConvention(Path file, JsonNode config) {
        JsonNode node = config.get(TEXT_CONVENTION);
        if (node == null || node.isNull()) {
            return false;
        }
        if (!node.isTextual() || !node.asText().equals(RESEARCH_CONVENTION)) {
            throw new TextException(file + ": " + TEXT_CONVENTION + " must be \"" + RESEARCH_CONVENTION
                    + "\" (the research release's text handling) or absent, got " + node);
        }
        return true;
    }

    /**
     * special_tokens_map.json overrides tokenizer_config.json; CLIPTokenizer's defaults fill the rest. The
     * tokenizer wraps plain-string bos/eos/unk given to its constructor (from tokenizer_config.json or its
     * defaults) into AddedTokens without stripping; values from special_tokens_map.json are kept as written.
     */
    private static List<Declared> declareSpecialTokens(Path configFile, JsonNode config, Path mapFile, JsonNode map) {
        List<Declared> out = new ArrayList<>();
        for (String key : SPECIAL_KEYS) {
            boolean wrapped = key.equals("bos_token") || key.equals("eos_token") || key.equals("unk_token");
            JsonNode fromMap = map.get(key);
            JsonNode fromConfig = config.get(key);
            if (fromMap != null && !fromMap.isNull()) {
                out.add(declared(mapFile, key, fromMap, false));
            } else if (fromConfig != null && !fromConfig.isNull()) {
                out.add(declared(configFile, key, fromConfig, wrapped));
            } else {
                String defaultContent = switch (key) {
                    case "bos_token" -> "<|startoftext|>";
                    case "eos_token", "unk_token", "pad_token" -> "<|endoftext|>";
                    default -> null;
                };
                if (defaultContent != null) {
                    out.add(new Declared(key, defaultContent, wrapped, false, false));
                }
            }
        }
        JsonNode additional = map.has(ADDITIONAL_KEY) ? map.get(ADDITIONAL_KEY) : config.get(ADDITIONAL_KEY);
        Path additionalFile = map.has(ADDITIONAL_KEY) ? mapFile : configFile;
        if (additional != null && !additional.isNull()) {
            if (!additional.isArray()) {
                throw new TextException(additionalFile + ": " + ADDITIONAL_KEY + " must be a list of tokens");
            }
            for (JsonNode token : additional) {
                out.add(declared(additionalFile, ADDITIONAL_KEY, token, false));
            }
        }
        return out;
    }

    private static Declared declared(Path file, String key, JsonNode value, boolean wrapString) {
        if (value.isTextual()) {
            return new Declared(key, value.asText(), wrapString, false, false);
        }
        if (value.isObject() && value.path("content").isTextual()) {
            return new Declared(key, value.get("content").asText(), true,
                    value.path("lstrip").asBoolean(false), value.path("rstrip").asBoolean(false));
        }
        throw new TextException(file + ": " + key + " must be a string or an object with a \"content\" string, got "
                + value);
    }

    private static int readMaxLength(Path file, JsonNode config) {
        JsonNode node = config.get("model_max_length");
        if (node == null || !node.canConvertToInt() || !node.isIntegralNumber()
                || node.asInt() < 2 || node.asInt() > MAX_LENGTH_LIMIT) {
            throw new TextException(file + ": model_max_length must be an integer between 2 and " + MAX_LENGTH_LIMIT
                    + " (the text encoder's sequence length, 77 for CLIP), got " + node);
        }
        return node.asInt();
    }

    private static Map<String, Integer> readVocab(Path file) {
        JsonNode root = readObject(file, "a JSON object mapping each token to its integer id");
        Map<String, Integer> vocab = new HashMap<>(root.size() * 2);
        var fields = root.fields();
        while (fields.hasNext()) {
            var e = fields.next();
            JsonNode id = e.getValue();
            if (!id.isIntegralNumber() || !id.canConvertToInt() || id.asInt() < 0) {
                throw new TextException(file + ": token '" + e.getKey() + "' has id " + id
                        + " (expected a non-negative integer)");
            }
            vocab.put(e.getKey(), id.asInt());
        }
        if (vocab.isEmpty()) {
            throw new TextException(file + ": empty vocabulary (expected a JSON object mapping tokens to ids)");
        }
        return vocab;
    }

    /** Line 0 is the "#version" header; lines 1..48894 are merges "first second", rank = line number - 1. */
    private static Map<String, Integer> readMerges(Path file) {
        String text = PythonText.strip(readUtf8(file));
        if (text.isEmpty()) {
            throw new TextException(file + ": empty (expected a '#version' line, then one merge 'a b' per line)");
        }
        String[] lines = text.split("\n", -1);
        int count = Math.min(lines.length - 1, MAX_MERGES);
        Map<String, Integer> ranks = new HashMap<>(count * 2);
        for (int rank = 0; rank < count; rank++) {
            List<String> parts = splitOnWhitespace(lines[rank + 1]);
            if (parts.size() != 2) {
                throw new TextException(file + ": line " + (rank + 2) + " is '" + lines[rank + 1]
                        + "' (expected two symbols separated by a space)");
            }
            ranks.put(parts.get(0) + " " + parts.get(1), rank);
        }
        return ranks;
    }

    private static List<String> splitOnWhitespace(String line) {
        List<String> parts = new ArrayList<>(2);
        int i = 0;
        while (i < line.length()) {
            while (i < line.length() && PythonText.isSpace(line.charAt(i))) {
                i++;
            }
            int start = i;
            while (i < line.length() && !PythonText.isSpace(line.charAt(i))) {
                i++;
            }
            if (i > start) {
                parts.add(line.substring(start, i));
            }
        }
        return parts;
    }

    private static JsonNode readObject(Path file, String expected) {
        JsonNode root;
        try {
            root = JSON.readTree(readUtf8(file));
        } catch (JsonProcessingException e) {
            throw new TextException(file + ": not valid JSON (expected " + expected + "): "
                    + e.getOriginalMessage(), e);
        }
        if (root == null || !root.isObject()) {
            throw new TextException(file + ": expected " + expected);
        }
        return root;
    }

    private static String readUtf8(Path file) {
        if (!Files.isRegularFile(file)) {
            throw new TextException(file + ": missing (a CLIP tokenizer folder needs " + VOCAB + ", " + MERGES + ", "
                    + CONFIG + " and " + SPECIAL_TOKENS_MAP + ")");
        }
        try {
            return StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(Files.readAllBytes(file)))
                    .toString();
        } catch (CharacterCodingException e) {
            throw new TextException(file + ": not valid UTF-8", e);
        } catch (IOException e) {
            throw new TextException(file + ": cannot read: " + e.getMessage(), e);
        }
    }
}
