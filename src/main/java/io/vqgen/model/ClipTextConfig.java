package io.vqgen.model;

import io.vqgen.model.layers.Activation;

/**
 * The fields of a transformers {@code CLIPTextConfig} the text encoder uses. Shape-defining keys are
 * required; {@code hidden_act} and {@code layer_norm_eps} default as in transformers.
 */
public record ClipTextConfig(int hiddenSize, int intermediateSize, int numAttentionHeads, int numHiddenLayers,
                             int vocabSize, int maxPositionEmbeddings, double layerNormEps, Activation hiddenAct) {

    public static ClipTextConfig from(ConfigReader c) {
        int hidden = c.requireInt("hidden_size");
        int heads = c.requireInt("num_attention_heads");
        if (hidden % heads != 0) {
            throw new ModelException(c.source() + ": hidden_size " + hidden + " is not divisible by num_attention_heads " + heads);
        }
        return new ClipTextConfig(hidden, c.requireInt("intermediate_size"), heads, c.requireInt("num_hidden_layers"),
                c.requireInt("vocab_size"), c.requireInt("max_position_embeddings"), c.doubleOr("layer_norm_eps", 1e-5),
                activation(c.source(), c.stringOr("hidden_act", "quick_gelu")));
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
