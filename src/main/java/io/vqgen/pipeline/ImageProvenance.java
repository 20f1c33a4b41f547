package io.vqgen.pipeline;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * What an image was made from, as the files that carry it write it: PNG text chunks, a webdataset sample's
 * {@code .json}, {@code metadata.jsonl} beside {@code vqgen generate}'s images, the gallery. The sampling settings
 * come from {@link GenerationSetting} (one field per setting, named by its key), so every format names and orders
 * them the same way the manifest does.
 *
 * @param id         the prompt row's id (null for {@code vqgen generate}, which has no ids)
 * @param imageIndex the image's index within its row (null with {@code id})
 * @param sampler    the sampler the options chose, by its own name
 */
public record ImageProvenance(String id, Integer imageIndex, String prompt, long seed, String model,
                              String modelFingerprint, String sampler, SamplingOptions sampling) {
    /** The {@code Software} PNG keyword's value. */
    public static final String SOFTWARE = "vqgen";
    private static final ObjectMapper JSON = new ObjectMapper();

    /** The fields in their order: id, image_index (when there are ids), prompt, seed, model, sampler, settings. */
    public Map<String, Object> fields() {
        Map<String, Object> f = new LinkedHashMap<>();
        if (id != null) {
            f.put("id", id);
            f.put("image_index", imageIndex);
        }
        f.put("prompt", prompt);
        f.put(GenerationSetting.SEED.key(), seed);
        f.put("model", model);
        f.put("model_fingerprint", modelFingerprint);
        f.put("sampler", sampler);
        for (GenerationSetting setting : GenerationSetting.sampling()) {
            Object v = sampling.get(setting);
            f.put(setting.key(), v instanceof NoiseMode mode ? mode.label() : v);
        }
        return f;
    }

    /** The fields as PNG text (keyword → value), with {@code Software} first. */
    public Map<String, String> pngText() {
        Map<String, String> text = new LinkedHashMap<>();
        text.put("Software", SOFTWARE);
        fields().forEach((k, v) -> text.put(k, String.valueOf(v)));
        return text;
    }

    /** The fields and {@code after} (after them) as one line of JSON. */
    public String json(Map<String, Object> after) {
        return json(Map.of(), after);
    }

    /** {@code before}, the fields, then {@code after}, as one line of JSON (a key in both keeps its first place). */
    public String json(Map<String, Object> before, Map<String, Object> after) {
        Map<String, Object> all = new LinkedHashMap<>(before);
        all.putAll(fields());
        all.putAll(after);
        try {
            return JSON.writeValueAsString(all);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }
}
