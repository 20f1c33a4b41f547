package io.vqgen.model;

import io.vqgen.model.layers.Activation;
import io.vqgen.weights.ComponentConfig;

/**
 * The fields of a transformers {@code CLIPVisionConfig} the vision tower uses, read through {@link ComponentConfig}
 * with transformers 4.30's defaults.
 */
public record ClipVisionConfig(int hiddenSize, int intermediateSize, int numAttentionHeads, int numHiddenLayers,
                               int numChannels, int imageSize, int patchSize, double layerNormEps,
                               Activation hiddenAct) {

    /** The reference class whose config this is (transformers' CLIPVisionConfig, as a CLIPVisionModel saves it). */
    public static final String CLASS = "CLIPVisionModel";

    public static ClipVisionConfig from(ComponentConfig config) {
        ComponentConfig c = config.as(CLASS);
        int hidden = c.integer("hidden_size", 1);
        int heads = c.integer("num_attention_heads", 1);
        if (hidden % heads != 0) {
            throw new ModelException(c.source() + ": hidden_size " + hidden + " is not divisible by num_attention_heads " + heads);
        }
        int image = c.integer("image_size", 1);
        int patch = c.integer("patch_size", 1);
        if (image % patch != 0) {
            throw new ModelException(c.source() + ": image_size " + image + " is not a multiple of patch_size " + patch);
        }
        return new ClipVisionConfig(hidden, c.integer("intermediate_size", 1), heads, c.integer("num_hidden_layers", 1),
                c.integer("num_channels", 1), image, patch, c.number("layer_norm_eps", 0, Double.MAX_VALUE),
                ClipTextConfig.activation(c.source(), c.text("hidden_act")));
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
