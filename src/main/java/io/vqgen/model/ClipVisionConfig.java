package io.vqgen.model;

import io.vqgen.model.layers.Activation;

/** The fields of a transformers {@code CLIPVisionConfig} the vision tower uses. */
public record ClipVisionConfig(int hiddenSize, int intermediateSize, int numAttentionHeads, int numHiddenLayers,
                               int numChannels, int imageSize, int patchSize, double layerNormEps,
                               Activation hiddenAct) {

    public static ClipVisionConfig from(ConfigReader c) {
        int hidden = c.requireInt("hidden_size");
        int heads = c.requireInt("num_attention_heads");
        if (hidden % heads != 0) {
            throw new ModelException(c.source() + ": hidden_size " + hidden + " is not divisible by num_attention_heads " + heads);
        }
        int image = c.requireInt("image_size");
        int patch = c.requireInt("patch_size");
        if (image % patch != 0) {
            throw new ModelException(c.source() + ": image_size " + image + " is not a multiple of patch_size " + patch);
        }
        return new ClipVisionConfig(hidden, c.requireInt("intermediate_size"), heads, c.requireInt("num_hidden_layers"),
                c.requireInt("num_channels"), image, patch, c.doubleOr("layer_norm_eps", 1e-5),
                ClipTextConfig.activation(c.source(), c.stringOr("hidden_act", "quick_gelu")));
    }

    public int headDim() {
        return hiddenSize / numAttentionHeads;
    }

    /** Patches per side. */
    public int grid() {
        return imageSize / patchSize;
    }

    /** The class token and one position per patch. */
    public int numPositions() {
        return grid() * grid() + 1;
    }
}
