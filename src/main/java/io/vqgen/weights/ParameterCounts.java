package io.vqgen.weights;

import java.util.List;
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
        long h = c.integer("hidden_size", 1);
        long i = c.integer("intermediate_size", 1);
        long layer = 4 * linear(h, h) + 2 * layerNorm(h) + linear(h, i) + linear(i, h);
        return (long) c.integer("vocab_size", 1) * h + (long) c.integer("max_position_embeddings", 1) * h
                + c.integer("num_hidden_layers", 1) * layer + layerNorm(h);
    }

    /** diffusers' Transformer2DModel with discrete (vector-embedded) input, as VQ-Diffusion uses it. */
    static OptionalLong discreteTransformer(ComponentConfig c) {
        String norm = c.text("norm_type");
        String activation = c.text("activation_fn");
        Integer adaSteps = c.optionalInteger("num_embeds_ada_norm", 1);
        if (adaSteps == null || !Set.of("layer_norm", "ada_norm").contains(norm)
                || !Set.of("gelu", "gelu-approximate", "geglu", "geglu-approximate").contains(activation)
                || c.flag("only_cross_attention") || c.flag("double_self_attention")
                || !c.text("attention_type").equals("default") || c.isSet("positional_embeddings")) {
            return OptionalLong.empty();
        }
        long k = c.integer("num_vector_embeds", 2);
        long d = (long) c.integer("num_attention_heads", 1) * c.integer("attention_head_dim", 1);
        long size = c.integer("sample_size", 1);
        boolean bias = c.flag("attention_bias");
        long adaNorm = adaSteps * d + linear(d, 2 * d);
        long selfAttention = attention(d, d, bias);
        Integer cross = c.optionalInteger("cross_attention_dim", 1);
        long block = adaNorm + selfAttention
                + (cross != null ? adaNorm + attention(d, cross, bias) : 0)
                + (c.flag("norm_elementwise_affine") ? layerNorm(d) : 0)
                + linear(d, activation.equals("geglu") ? 8 * d : 4 * d) + linear(4 * d, d);
        return OptionalLong.of(k * d + 2 * size * d + c.integer("num_layers", 1) * block + layerNorm(d) + linear(d, k - 1));
    }

    /**
     * diffusers' VQModel (encoder, quantizer, decoder with group norms; plain or Attn down/up blocks, whose every
     * resnet is followed by a spatial attention).
     */
    static OptionalLong vqModel(ComponentConfig c) {
        if (!c.text("norm_type").equals("group") || !c.text("act_fn").equals("silu")) {
            return OptionalLong.empty();
        }
        int[] channels = c.integers("block_out_channels", 1);
        Optional<boolean[]> downAttention = blockAttention(c, "down_block_types", "DownEncoderBlock2D",
                "AttnDownEncoderBlock2D", channels.length);
        Optional<boolean[]> upAttention = blockAttention(c, "up_block_types", "UpDecoderBlock2D",
                "AttnUpDecoderBlock2D", channels.length);
        if (downAttention.isEmpty() || upAttention.isEmpty()) {
            return OptionalLong.empty();
        }
        long perBlock = c.integer("layers_per_block", 1);
        long latent = c.integer("latent_channels", 1);
        long embedDim = vqEmbedDim(c);
        long last = channels[channels.length - 1];
        long mid = 2 * resnet(last, last) + (c.flag("mid_block_add_attention") ? spatialAttention(last) : 0);

        long encoder = conv(c.integer("in_channels", 1), channels[0], 3);
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
        decoder += layerNorm(channels[0]) + conv(channels[0], c.integer("out_channels", 1), 3);

        long quantizer = conv(latent, embedDim, 1) + c.integer("num_vq_embeddings", 1) * embedDim + conv(embedDim, latent, 1);
        if (c.text("quantizer").equals("gumbel")) {
            quantizer += conv(embedDim, c.integer("num_vq_embeddings", 1), 1); // quantize.proj
        }
        return OptionalLong.of(encoder + quantizer + decoder);
    }

    /**
     * vqgen's VQDiffusionClassTransformer (the research release's Condition2ImageTransformer): token and position
     * embeddings; per block two AdaLayerNorms (timesteps, classes), self-attention with biases, two 3×3 convolutions;
     * the output norm and projection.
     */
    static long classTransformer(ComponentConfig c) {
        long k = c.integer("num_vector_embeds", 2);
        long d = (long) c.integer("num_attention_heads", 1) * c.integer("attention_head_dim", 1);
        int[] grid = c.isSet("position_grid") ? c.integers("position_grid", 1)
                : new int[] {c.integer("height", 1), c.integer("width", 1)};
        long hidden = c.integer("ff_mult", 1) * d;
        long block = c.integer("num_embeds_ada_norm", 1) * d + linear(d, 2 * d) + c.integer("num_class_embeds", 1) * d
                + linear(d, 2 * d) + attention(d, d, true) + conv(d, hidden, 3) + conv(hidden, d, 3);
        return k * d + ((long) grid[0] + grid[1]) * d + c.integer("num_layers", 1) * block + layerNorm(d) + linear(d, k - 1);
    }

    /** LearnedClassifierFreeSamplingEmbeddings: length × hidden_size when learnable, none otherwise. */
    static long classifierFreeEmbeddings(ComponentConfig c) {
        return c.flag("learnable") ? (long) c.integer("length", 1) * c.integer("hidden_size", 1) : 0;
    }

    /** VQModel's codebook vector size: vq_embed_dim, which defaults to latent_channels. */
    static long vqEmbedDim(ComponentConfig c) {
        Integer embedDim = c.optionalInteger("vq_embed_dim", 1);
        return embedDim == null ? c.integer("latent_channels", 1) : embedDim;
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
        List<String> types = c.texts(key);
        if (types.size() != blocks) {
            return Optional.empty();
        }
        boolean[] out = new boolean[blocks];
        for (int i = 0; i < blocks; i++) {
            String type = types.get(i);
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
