package io.vqgen.model;

import io.vqgen.model.layers.Activation;
import io.vqgen.weights.ComponentConfig;

/**
 * The fields of a transformers {@code CLIPTextConfig} the text encoder uses, read through {@link ComponentConfig}
 * with transformers 4.30's defaults.
 */
public record ClipTextConfig(int hiddenSize, int intermediateSize, int numAttentionHeads, int numHiddenLayers,
                             int vocabSize, int maxPositionEmbeddings, double layerNormEps, Activation hiddenAct) {

    /** The reference class whose config this is (transformers' CLIPTextConfig, saved for a CLIPTextModel). */
    public static final String CLASS = "CLIPTextModel";

    public static ClipTextConfig from(ComponentConfig config) {
        ComponentConfig c = config.as(CLASS);
        int hidden = c.integer("hidden_size", 1);
        int heads = c.integer("num_attention_heads", 1);
        if (hidden % heads != 0) {
            throw new ModelException(c.source() + ": hidden_size " + hidden + " is not divisible by num_attention_heads " + heads);
        }
        return new ClipTextConfig(hidden, c.integer("intermediate_size", 1), heads, c.integer("num_hidden_layers", 1),
                c.integer("vocab_size", 1), c.integer("max_position_embeddings", 1),
                c.number("layer_norm_eps", 0, Double.MAX_VALUE), activation(c.source(), c.text("hidden_act")));
    }

    public int headDim() {
        return hiddenSize / numAttentionHeads;
    }

    /** transformers' ACT2FN names for the activations we implement. */
    static Activation activation(String source, String name) {
        return switch (name) {
            case "quick_gelu" -> Activation.QUICK_GELU;
            case "gelu" -> Activation.GELU;
            case "gelu_new", "gelu_pytorch_tanh", "gelu_fast" -> Activation.GELU_TANH;
            case "relu" -> Activation.RELU;
            case "silu", "swish" -> Activation.SILU;
            default -> throw new ModelException(source + ": hidden_act '" + name + "' is not supported (supported: quick_gelu, "
                    + "gelu, gelu_new, gelu_pytorch_tanh, gelu_fast, relu, silu, swish)");
        };
    }
}
