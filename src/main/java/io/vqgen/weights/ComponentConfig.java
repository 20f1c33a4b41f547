package io.vqgen.weights;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.NullNode;

import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The one typed reader of a component's {@code config.json}, for every component and every reader of it (models,
 * scheduler, pipeline, the job's model check, the inspector). Bound to the reference class the config is for
 * ({@link #as}), a key that is absent or null takes that class's default as the upstream constructor declares it,
 * and a key without a default must be present. Every refused value is a {@link WeightsException} naming the file,
 * the key, what was expected and what was found.
 */
public final class ComponentConfig {
    /**
     * The constructor defaults of the reference classes: diffusers 0.24.0 ({@code Transformer2DModel}, {@code VQModel},
     * {@code VQDiffusionScheduler}, {@code LearnedClassifierFreeSamplingEmbeddings}) and transformers 4.30
     * ({@code CLIPTextConfig} for {@code CLIPTextModel}, {@code CLIPVisionConfig} for {@code CLIPVisionModel},
     * {@code CLIPConfig} for {@code CLIPModel}, whose towers are read as the first two). null: an optional key ({@code Optional[...] = None});
     * a key that is not listed has no default. {@code mid_block_add_attention} and {@code force_upcast} are diffusers
     * 0.25's (0.24 ignores them; their defaults keep 0.24's behaviour). vqgen's own keys for the research release's
     * models (README: the converted folder) default to diffusers' behaviour: VQModel's {@code quantizer} and
     * {@code num_tokens}, the scheduler's {@code last_step}; {@code VQDiffusionClassTransformer} is vqgen's class,
     * every key required but {@code position_grid} (the token grid when absent).
     */
    private static final String DEFAULTS = """
            {
              "Transformer2DModel": {
                "num_attention_heads": 16, "attention_head_dim": 88, "in_channels": null, "out_channels": null,
                "num_layers": 1, "dropout": 0.0, "norm_num_groups": 32, "cross_attention_dim": null,
                "attention_bias": false, "sample_size": null, "num_vector_embeds": null, "patch_size": null,
                "activation_fn": "geglu", "num_embeds_ada_norm": null, "use_linear_projection": false,
                "only_cross_attention": false, "double_self_attention": false, "upcast_attention": false,
                "norm_type": "layer_norm", "norm_elementwise_affine": true, "norm_eps": 1e-5,
                "attention_type": "default", "caption_channels": null
              },
              "VQModel": {
                "in_channels": 3, "out_channels": 3, "down_block_types": ["DownEncoderBlock2D"],
                "up_block_types": ["UpDecoderBlock2D"], "block_out_channels": [64], "layers_per_block": 1,
                "act_fn": "silu", "latent_channels": 3, "sample_size": 32, "num_vq_embeddings": 256,
                "norm_num_groups": 32, "vq_embed_dim": null, "scaling_factor": 0.18215, "norm_type": "group",
                "mid_block_add_attention": true, "force_upcast": false, "quantizer": "nearest", "num_tokens": null
              },
              "CLIPTextModel": {
                "vocab_size": 49408, "hidden_size": 512, "intermediate_size": 2048, "projection_dim": 512,
                "num_hidden_layers": 12, "num_attention_heads": 8, "max_position_embeddings": 77,
                "hidden_act": "quick_gelu", "layer_norm_eps": 1e-5, "attention_dropout": 0.0
              },
              "CLIPVisionModel": {
                "hidden_size": 768, "intermediate_size": 3072, "projection_dim": 512, "num_hidden_layers": 12,
                "num_attention_heads": 12, "num_channels": 3, "image_size": 224, "patch_size": 32,
                "hidden_act": "quick_gelu", "layer_norm_eps": 1e-5, "attention_dropout": 0.0
              },
              "CLIPModel": {
                "text_config": null, "vision_config": null, "projection_dim": 512, "logit_scale_init_value": 2.6592
              },
              "VQDiffusionScheduler": {
                "num_train_timesteps": 100, "alpha_cum_start": 0.99999, "alpha_cum_end": 0.000009,
                "gamma_cum_start": 0.000009, "gamma_cum_end": 0.99999, "last_step": "prediction"
              },
              "LearnedClassifierFreeSamplingEmbeddings": {
                "hidden_size": null, "length": null
              },
              "VQDiffusionClassTransformer": {
                "position_grid": null
              }
            }
            """;
    private static final Map<String, JsonNode> DEFAULTS_BY_CLASS = parseDefaults();

    private final String source;
    private final JsonNode json;
    private final String referenceClass;
    private final JsonNode defaults;

    /**
     * @param source the file, for messages (e.g. "/models/ithq/transformer/config.json")
     * @param json   its content, which must be a JSON object
     */
    public ComponentConfig(String source, JsonNode json) {
        this(source, json, null, NullNode.getInstance());
        if (json == null || !json.isObject()) {
            throw new WeightsException(source + ": expected a JSON object");
        }
    }

    private ComponentConfig(String source, JsonNode json, String referenceClass, JsonNode defaults) {
        this.source = source;
        this.json = json;
        this.referenceClass = referenceClass;
        this.defaults = defaults;
    }

    /**
     * This config read as one of the reference classes above: with its defaults, and refused when the file's
     * {@code _class_name} names another class.
     */
    public ComponentConfig as(String className) {
        JsonNode classDefaults = DEFAULTS_BY_CLASS.get(className);
        if (classDefaults == null) {
            throw new IllegalArgumentException("no defaults known for class " + className + " (known: "
                    + String.join(", ", DEFAULTS_BY_CLASS.keySet()) + ")");
        }
        JsonNode declared = json.get("_class_name");
        if (declared != null && !declared.isNull() && !className.equals(declared.asText())) {
            throw new WeightsException(source + ": _class_name is " + declared + ", expected '" + className + "'");
        }
        return new ComponentConfig(source, json, className, classDefaults);
    }

    public String source() {
        return source;
    }

    /** The class the file itself names ({@code _class_name}), or null when it names none. */
    public String declaredClass() {
        JsonNode declared = json.get("_class_name");
        return declared == null || !declared.isTextual() ? null : declared.asText();
    }

    /** The file's content as it is, without defaults. */
    public JsonNode json() {
        return json;
    }

    /** Whether the file itself gives the key a (non-null) value. */
    public boolean isSet(String key) {
        return json.hasNonNull(key);
    }

    /** An integer ≥ {@code min}: the file's value, else the class default; one of them must exist. */
    public int integer(String key, int min) {
        return integerValue(key, required(key, integerExpectation(min)), min);
    }

    /** As {@link #integer}, or null when neither the file nor the default gives a value (an Optional[int]). */
    public Integer optionalInteger(String key, int min) {
        JsonNode v = value(key);
        return v == null ? null : integerValue(key, v, min);
    }

    /** A non-empty list of integers ≥ {@code min}. */
    public int[] integers(String key, int min) {
        String expected = "a non-empty list of integers ≥ " + min;
        JsonNode v = required(key, expected);
        if (!v.isArray() || v.isEmpty()) {
            throw invalid(key, expected, v);
        }
        int[] out = new int[v.size()];
        for (int i = 0; i < out.length; i++) {
            JsonNode e = v.get(i);
            if (!e.isIntegralNumber() || !e.canConvertToInt() || e.asInt() < min) {
                throw invalid(key, expected, v);
            }
            out[i] = e.asInt();
        }
        return out;
    }

    /** A finite number in [min, max] (±Double.MAX_VALUE: no bound). */
    public double number(String key, double min, double max) {
        String expected = min == -Double.MAX_VALUE && max == Double.MAX_VALUE ? "a number"
                : max == Double.MAX_VALUE ? "a number ≥ " + min : "a number in [" + min + ", " + max + "]";
        JsonNode v = required(key, expected);
        if (!v.isNumber() || !(v.asDouble() >= min && v.asDouble() <= max)) {
            throw invalid(key, expected, v);
        }
        return v.asDouble();
    }

    public boolean flag(String key) {
        JsonNode v = required(key, "true or false");
        if (!v.isBoolean()) {
            throw invalid(key, "true or false", v);
        }
        return v.asBoolean();
    }

    public String text(String key) {
        JsonNode v = required(key, "a string");
        if (!v.isTextual()) {
            throw invalid(key, "a string", v);
        }
        return v.asText();
    }

    /** One of the {@code allowed} strings. */
    public String choice(String key, String... allowed) {
        String expected = "one of '" + String.join("', '", allowed) + "'";
        JsonNode v = required(key, expected);
        if (!v.isTextual() || !List.of(allowed).contains(v.asText())) {
            throw invalid(key, expected, v);
        }
        return v.asText();
    }

    /** A non-empty list of strings. */
    public List<String> texts(String key) {
        String expected = "a non-empty list of strings";
        JsonNode v = required(key, expected);
        if (!v.isArray() || v.isEmpty()) {
            throw invalid(key, expected, v);
        }
        List<String> out = new ArrayList<>();
        for (JsonNode e : v) {
            if (!e.isTextual()) {
                throw invalid(key, expected, v);
            }
            out.add(e.asText());
        }
        return List.copyOf(out);
    }

    private WeightsException invalid(String key, String expected, JsonNode found) {
        return new WeightsException(source + ": key '" + key + "' must be " + expected + ", found " + found);
    }

    /** The file's value, else the class default, else null. */
    private JsonNode value(String key) {
        JsonNode v = json.get(key);
        if (v == null || v.isNull()) {
            v = defaults.get(key);
        }
        return v == null || v.isNull() ? null : v;
    }

    private JsonNode required(String key, String expected) {
        JsonNode v = value(key);
        if (v == null) {
            throw new WeightsException(source + ": missing key '" + key + "' (expected " + expected
                    + (referenceClass == null ? "" : "; " + referenceClass + " has no default for it") + ")");
        }
        return v;
    }

    private int integerValue(String key, JsonNode v, int min) {
        if (!v.isIntegralNumber() || !v.canConvertToInt() || v.asInt() < min) {
            throw invalid(key, integerExpectation(min), v);
        }
        return v.asInt();
    }

    private static String integerExpectation(int min) {
        return "an integer ≥ " + min;
    }

    private static Map<String, JsonNode> parseDefaults() {
        try {
            JsonNode all = new ObjectMapper().readTree(DEFAULTS);
            Map<String, JsonNode> out = new LinkedHashMap<>();
            for (Iterator<Map.Entry<String, JsonNode>> it = all.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> e = it.next();
                out.put(e.getKey(), e.getValue());
            }
            return Collections.unmodifiableMap(out);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new UncheckedIOException(e);
        }
    }
}
