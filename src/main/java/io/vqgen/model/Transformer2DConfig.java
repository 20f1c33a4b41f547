package io.vqgen.model;

import io.vqgen.model.layers.Activation;
import io.vqgen.weights.ComponentConfig;

/**
 * The fields of a diffusers {@code Transformer2DModel} config for the discrete (vector-embedding)
 * input path, read through {@link ComponentConfig} with diffusers 0.24's defaults.
 * Configurations of other paths or features this port does not implement are refused by name.
 *
 * @param crossAttentionDim width of the encoder hidden states, or null for blocks without cross-attention
 * @param numEmbedsAdaNorm  number of timestep embeddings of AdaLayerNorm, or null when the blocks use plain layer norms
 * @param adaNorm           blocks use AdaLayerNorm (norm_type "ada_norm", or legacy "layer_norm" with num_embeds_ada_norm set)
 */
public record Transformer2DConfig(int numAttentionHeads, int attentionHeadDim, int numLayers, Integer crossAttentionDim,
                                  boolean attentionBias, int sampleSize, int numVectorEmbeds, String activationFn,
                                  Integer numEmbedsAdaNorm, boolean adaNorm, boolean onlyCrossAttention,
                                  boolean normElementwiseAffine, double normEps) {

    /** diffusers' FeedForward width multiplier (not configurable in Transformer2DModel). */
    public static final int FF_MULT = 4;

    /** The reference class whose config this is (and whose defaults absent keys take). */
    public static final String CLASS = "Transformer2DModel";

    /** Reads a {@value #CLASS} config; keys that select paths or features this port does not implement are refused. */
    public static Transformer2DConfig from(ComponentConfig config) {
        ComponentConfig c = config.as(CLASS);
        String s = c.source();
        if (c.isSet("in_channels") || c.isSet("patch_size")) {
            throw new ModelException(s + ": in_channels/patch_size select the continuous or patched input path;"
                    + " only the discrete path (num_vector_embeds) is supported");
        }
        int numVectorEmbeds = c.integer("num_vector_embeds", 2); // codebook classes + mask
        Integer numEmbedsAdaNorm = c.optionalInteger("num_embeds_ada_norm", 1);
        String normType = c.text("norm_type");
        boolean adaNorm = switch (normType) {
            // diffusers treats the legacy combination layer_norm + num_embeds_ada_norm as ada_norm
            case "layer_norm" -> numEmbedsAdaNorm != null;
            case "ada_norm" -> {
                if (numEmbedsAdaNorm == null) {
                    throw new ModelException(s + ": norm_type 'ada_norm' needs num_embeds_ada_norm");
                }
                yield true;
            }
            default -> throw new ModelException(s + ": norm_type '" + normType + "' is not supported (supported: ada_norm, layer_norm)");
        };
        refuse(c, c.flag("double_self_attention"), "double_self_attention true");
        refuse(c, c.isSet("caption_channels"), "caption_channels");
        String attentionType = c.text("attention_type");
        refuse(c, !attentionType.equals("default"), "attention_type '" + attentionType + "'");
        Integer crossAttentionDim = c.optionalInteger("cross_attention_dim", 1);
        boolean onlyCross = c.flag("only_cross_attention");
        if (onlyCross && crossAttentionDim == null) {
            throw new ModelException(s + ": only_cross_attention needs cross_attention_dim");
        }
        String activationFn = c.text("activation_fn");
        feedForwardActivation(s, activationFn);
        // read only to refuse a malformed value: both attention paths compute the scores and softmax of half-precision
        // inputs in float32 either way (see layers.Attention)
        c.flag("upcast_attention");
        return new Transformer2DConfig(c.integer("num_attention_heads", 1), c.integer("attention_head_dim", 1),
                c.integer("num_layers", 1), crossAttentionDim, c.flag("attention_bias"), c.integer("sample_size", 1),
                numVectorEmbeds, activationFn, numEmbedsAdaNorm, adaNorm, onlyCross,
                c.flag("norm_elementwise_affine"), c.number("norm_eps", 0, Double.MAX_VALUE));
    }

    private static void refuse(ComponentConfig c, boolean present, String what) {
        if (present) {
            throw new ModelException(c.source() + ": " + what + " is not supported by this port of Transformer2DModel");
        }
    }

    public int innerDim() {
        return numAttentionHeads * attentionHeadDim;
    }

    public int height() {
        return sampleSize;
    }

    public int width() {
        return sampleSize;
    }

    public int numLatentPixels() {
        return sampleSize * sampleSize;
    }

    /** The feed-forward's activation for {@link #activationFn}. */
    public Activation feedForwardActivation() {
        return feedForwardActivation("transformer config", activationFn);
    }

    /** "geglu" is the only gated variant; "geglu-approximate" is diffusers' ApproximateGELU, a plain Linear then x·sigmoid(1.702x). */
    public boolean feedForwardGated() {
        return activationFn.equals("geglu");
    }

    private static Activation feedForwardActivation(String source, String name) {
        return switch (name) {
            case "gelu", "geglu" -> Activation.GELU;
            case "gelu-approximate" -> Activation.GELU_TANH;
            case "geglu-approximate" -> Activation.QUICK_GELU;
            default -> throw new ModelException(source + ": activation_fn '" + name + "' is not supported (supported: gelu, "
                    + "gelu-approximate, geglu, geglu-approximate)");
        };
    }
}
