package io.vqgen.model;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.util.Map;

/**
 * A transformers {@code CLIPConfig} (a CLIPModel folder's config.json): the text and vision towers' configs and the
 * projection width. As transformers 4.30 reads it: keys absent from {@code text_config} / {@code vision_config} take
 * CLIPTextConfig's / CLIPVisionConfig's defaults, and a legacy {@code text_config_dict} / {@code vision_config_dict}
 * (older hub configs carry both) replaces the matching config whole.
 */
public record ClipModelConfig(ClipTextConfig text, ClipVisionConfig vision, int projectionDim, double logitScaleInit) {
    /** transformers' CLIPTextConfig defaults (openai/clip-vit-base-patch32's text tower). */
    private static final Map<String, Object> TEXT_DEFAULTS = Map.of("vocab_size", 49408, "hidden_size", 512,
            "intermediate_size", 2048, "num_hidden_layers", 12, "num_attention_heads", 8,
            "max_position_embeddings", 77, "hidden_act", "quick_gelu", "layer_norm_eps", 1e-5);
    /** transformers' CLIPVisionConfig defaults (openai/clip-vit-base-patch32's vision tower). */
    private static final Map<String, Object> VISION_DEFAULTS = Map.of("hidden_size", 768, "intermediate_size", 3072,
            "num_hidden_layers", 12, "num_attention_heads", 12, "num_channels", 3, "image_size", 224, "patch_size", 32,
            "hidden_act", "quick_gelu", "layer_norm_eps", 1e-5);

    public static ClipModelConfig from(String source, JsonNode config) {
        ConfigReader top = new ConfigReader(source, config);
        JsonNode textJson = tower(config, "text_config", TEXT_DEFAULTS);
        JsonNode visionJson = tower(config, "vision_config", VISION_DEFAULTS);
        return new ClipModelConfig(ClipTextConfig.from(new ConfigReader(source + " text_config", textJson)),
                ClipVisionConfig.from(new ConfigReader(source + " vision_config", visionJson)),
                top.isSet("projection_dim") ? top.requireInt("projection_dim") : 512,
                top.doubleOr("logit_scale_init_value", 2.6592));
    }

    private static JsonNode tower(JsonNode config, String key, Map<String, Object> defaults) {
        JsonNode given = config.hasNonNull(key + "_dict") ? config.get(key + "_dict") : config.get(key);
        ObjectNode out = JsonNodeFactory.instance.objectNode();
        defaults.forEach((k, v) -> {
            if (v instanceof Integer i) {
                out.put(k, i);
            } else if (v instanceof Double d) {
                out.put(k, d);
            } else {
                out.put(k, (String) v);
            }
        });
        if (given != null && given.isObject()) {
            given.fields().forEachRemaining(e -> out.set(e.getKey(), e.getValue()));
        } else if (given != null && !given.isNull()) {
            throw new ModelException("config.json: '" + key + "' must be an object, found " + given);
        }
        return out;
    }
}
