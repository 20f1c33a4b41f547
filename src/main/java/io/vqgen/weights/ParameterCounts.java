package io.vqgen.weights;

import com.fasterxml.jackson.databind.JsonNode;

import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;

/**
 * How many parameters (float weights, not buffers) each VQ-Diffusion component must hold according to its
 * config, following the module layouts of diffusers 0.24 and transformers 4.30. Empty when the config selects
 * options outside what VQ-Diffusion uses, so that such a model is not reported as broken.
 */
final class ParameterCounts {
    private ParameterCounts() {
    }

    /** transformers' CLIPTextModel. */
    static long clipText(ComponentConfig c) {
        long h = c.require("hidden_size");
        long i = c.require("intermediate_size");
        long layer = 4 * linear(h, h) + 2 * layerNorm(h) + linear(h, i) + linear(i, h);
        return c.require("vocab_size") * h + c.require("max_position_embeddings") * h
                + c.require("num_hidden_layers") * layer + layerNorm(h);
    }

    /** diffusers' Transformer2DModel with discrete (vector-embedded) input, as VQ-Diffusion uses it. */
    static OptionalLong discreteTransformer(ComponentConfig c) {
        String norm = c.text("norm_type", "layer_norm");
        String activation = c.text("activation_fn", "geglu");
        if (!c.has("num_embeds_ada_norm") || !Set.of("layer_norm", "ada_norm").contains(norm)
                || !Set.of("gelu", "gelu-approximate", "geglu", "geglu-approximate").contains(activation)
                || c.flag("only_cross_attention", false) || c.flag("double_self_attention", false)
                || !c.text("attention_type", "default").equals("default") || c.has("positional_embeddings")) {
            return OptionalLong.empty();
        }
        long k = c.require("num_vector_embeds");
        long d = c.require("num_attention_heads") * c.require("attention_head_dim");
        long size = c.require("sample_size");
        boolean bias = c.flag("attention_bias", false);
        long adaNorm = c.require("num_embeds_ada_norm") * d + linear(d, 2 * d);
        long selfAttention = attention(d, d, bias);
        long block = adaNorm + selfAttention
                + (c.has("cross_attention_dim") ? adaNorm + attention(d, c.require("cross_attention_dim"), bias) : 0)
                + (c.flag("norm_elementwise_affine", true) ? layerNorm(d) : 0)
                + linear(d, activation.equals("geglu") ? 8 * d : 4 * d) + linear(4 * d, d);
        return OptionalLong.of(k * d + 2 * size * d + c.require("num_layers") * block + layerNorm(d) + linear(d, k - 1));
    }

    /**
     * diffusers' VQModel (encoder, quantizer, decoder with group norms; plain or Attn down/up blocks, whose every
     * resnet is followed by a spatial attention).
     */
    static OptionalLong vqModel(ComponentConfig c) {
        if (!c.text("norm_type", "group").equals("group") || !c.text("act_fn", "silu").equals("silu")) {
            return OptionalLong.empty();
        }
        long[] channels = c.longs("block_out_channels");
        Optional<boolean[]> downAttention = blockAttention(c, "down_block_types", "DownEncoderBlock2D",
                "AttnDownEncoderBlock2D", channels.length);
        Optional<boolean[]> upAttention = blockAttention(c, "up_block_types", "UpDecoderBlock2D",
                "AttnUpDecoderBlock2D", channels.length);
        if (downAttention.isEmpty() || upAttention.isEmpty()) {
            return OptionalLong.empty();
        }
        long perBlock = c.require("layers_per_block");
        long latent = c.require("latent_channels");
        long embedDim = c.optional("vq_embed_dim", latent);
        long last = channels[channels.length - 1];
        long mid = 2 * resnet(last, last) + (c.flag("mid_block_add_attention", true) ? spatialAttention(last) : 0);

        long encoder = conv(c.require("in_channels"), channels[0], 3);
        long in = channels[0];
        for (int b = 0; b < channels.length; b++) {
            for (long r = 0; r < perBlock; r++) {
                encoder += resnet(r == 0 ? in : channels[b], channels[b])
                        + (downAttention.get()[b] ? spatialAttention(channels[b]) : 0);
            }
            encoder += b < channels.length - 1 ? conv(channels[b], channels[b], 3) : 0;
            in = channels[b];
        }
        encoder += mid + layerNorm(last) + conv(last, latent, 3);

        long decoder = conv(latent, last, 3) + mid;
        in = last;
        for (int b = channels.length - 1; b >= 0; b--) {
            for (long r = 0; r <= perBlock; r++) {
                decoder += resnet(r == 0 ? in : channels[b], channels[b])
                        + (upAttention.get()[channels.length - 1 - b] ? spatialAttention(channels[b]) : 0);
            }
            decoder += b > 0 ? conv(channels[b], channels[b], 3) : 0;
            in = channels[b];
        }
        decoder += layerNorm(channels[0]) + conv(channels[0], c.require("out_channels"), 3);

        long quantizer = conv(latent, embedDim, 1) + c.require("num_vq_embeddings") * embedDim + conv(embedDim, latent, 1);
        if (c.text("quantizer", "nearest").equals("gumbel")) {
            quantizer += conv(embedDim, c.require("num_vq_embeddings"), 1); // quantize.proj
        }
        return OptionalLong.of(encoder + quantizer + decoder);
    }

    /**
     * vqgen's VQDiffusionClassTransformer (the research release's Condition2ImageTransformer): token and position
     * embeddings; per block two AdaLayerNorms (timesteps, classes), self-attention with biases, two 3×3 convolutions;
     * the output norm and projection.
     */
    static long classTransformer(ComponentConfig c) {
        long k = c.require("num_vector_embeds");
        long d = c.require("num_attention_heads") * c.require("attention_head_dim");
        long[] grid = c.has("position_grid") ? c.longs("position_grid") : new long[] {c.require("height"), c.require("width")};
        long hidden = c.require("ff_mult") * d;
        long block = c.require("num_embeds_ada_norm") * d + linear(d, 2 * d) + c.require("num_class_embeds") * d
                + linear(d, 2 * d) + attention(d, d, true) + conv(d, hidden, 3) + conv(hidden, d, 3);
        return k * d + (grid[0] + grid[1]) * d + c.require("num_layers") * block + layerNorm(d) + linear(d, k - 1);
    }

    /** LearnedClassifierFreeSamplingEmbeddings: length × hidden_size when learnable, none otherwise. */
    static long classifierFreeEmbeddings(ComponentConfig c) {
        return c.flag("learnable", false) ? c.require("length") * c.require("hidden_size") : 0;
    }

    private static long attention(long dim, long contextDim, boolean bias) {
        long b = bias ? dim : 0;
        return dim * dim + b + 2 * (contextDim * dim + b) + linear(dim, dim);
    }

    /**
     * Which blocks have attention, from their type names (absent: diffusers' default of one plain block); empty
     * when a type is neither of the two or the count does not match.
     */
    private static Optional<boolean[]> blockAttention(ComponentConfig c, String key, String plain, String attention,
                                                      int blocks) {
        JsonNode types = c.json().get(key);
        if (types == null || types.isNull()) {
            return blocks == 1 ? Optional.of(new boolean[1]) : Optional.empty();
        }
        if (!types.isArray() || types.size() != blocks) {
            return Optional.empty();
        }
        boolean[] out = new boolean[blocks];
        for (int i = 0; i < blocks; i++) {
            String type = types.get(i).asText();
            if (!type.equals(plain) && !type.equals(attention)) {
                return Optional.empty();
            }
            out[i] = type.equals(attention);
        }
        return Optional.of(out);
    }

    /** Group norm, q/k/v and output projections over n channels (the VQ-VAE's one-head spatial attention). */
    private static long spatialAttention(long n) {
        return layerNorm(n) + 4 * linear(n, n);
    }

    private static long resnet(long in, long out) {
        return layerNorm(in) + conv(in, out, 3) + layerNorm(out) + conv(out, out, 3) + (in != out ? conv(in, out, 1) : 0);
    }

    private static long linear(long in, long out) {
        return in * out + out;
    }

    private static long conv(long in, long out, long kernel) {
        return in * out * kernel * kernel + out;
    }

    /** Weight and bias of a LayerNorm or GroupNorm over n channels. */
    private static long layerNorm(long n) {
        return 2 * n;
    }
}
