package io.vqgen.model;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import io.vqgen.weights.ComponentConfig;
import io.vqgen.weights.WeightsException;

/**
 * A transformers {@code CLIPConfig} (a CLIPModel folder's config.json): the text and vision towers' configs and the
 * projection width. As transformers 4.30 reads it: keys absent from {@code text_config} / {@code vision_config} take
 * CLIPTextConfig's / CLIPVisionConfig's defaults (the reader's table), and a legacy {@code text_config_dict} /
 * {@code vision_config_dict} (older hub configs carry both) replaces the matching config whole.
 */
public record ClipModelConfig(ClipTextConfig text, ClipVisionConfig vision, int projectionDim, double logitScaleInit) {
    /** The reference class whose config this is. */
    public static final String CLASS = "CLIPModel";

    public static ClipModelConfig from(ComponentConfig config) {
        ComponentConfig c = config.as(CLASS);
        return new ClipModelConfig(ClipTextConfig.from(tower(c, "text_config")),
                ClipVisionConfig.from(tower(c, "vision_config")), c.integer("projection_dim", 1),
                c.number("logit_scale_init_value", -Double.MAX_VALUE, Double.MAX_VALUE));
    }

    /** A tower's config: {@code key_dict} when present, else {@code key}, else none (every key its default). */
    private static ComponentConfig tower(ComponentConfig c, String key) {
        JsonNode json = c.json();
        String used = json.hasNonNull(key + "_dict") ? key + "_dict" : key;
        JsonNode given = json.get(used);
        if (given == null || given.isNull()) {
            given = JsonNodeFactory.instance.objectNode();
        } else if (!given.isObject()) {
            throw new WeightsException(c.source() + ": key '" + used + "' must be an object, found " + given);
        }
        return new ComponentConfig(c.source() + " " + used, given);
    }
}
