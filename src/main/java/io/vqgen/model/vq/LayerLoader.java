package io.vqgen.model.vq;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import io.vqgen.model.layers.Attention;
import io.vqgen.model.layers.Linear;
import io.vqgen.model.layers.Parameters;
import io.vqgen.model.vq.VqConfig.NormType;
import io.vqgen.weights.StateDict;
import io.vqgen.weights.WeightsException;

/**
 * Builds the VQ-VAE's blocks from weights addressed by their diffusers parameter names (every shape checked), on the
 * shared layers where the VQ-VAE has them ({@link Linear}, {@link Attention}).
 */
final class LayerLoader {
    /** Every norm in diffusers' Encoder/Decoder/mid-block attention is built with eps 1e-6. */
    private static final float EPS = 1e-6f;

    private final Parameters p;
    private final VqConfig config;

    /** @param dtype the float type the VQ-VAE computes in (group norms keep float32 parameters) */
    LayerLoader(StateDict weights, NDManager manager, DataType dtype, VqConfig config) {
        this.p = new Parameters(weights, manager, dtype);
        this.config = config;
    }

    DataType dtype() {
        return p.floatType();
    }

    /** An int64 index table of {@code length} entries, each checked to lie in [0, bound). */
    NDArray takeIndices(String name, long length, long bound) {
        NDArray table = p.take(name, DataType.INT64, length);
        if (length > 0) {
            long min = table.min().getLong();
            long max = table.max().getLong();
            if (min < 0 || max >= bound) {
                throw new WeightsException("vqvae: " + name + " holds values from " + min + " to " + max
                        + ", expected 0.." + (bound - 1));
            }
        }
        return table;
    }

    Conv conv(String name, long in, long out, int kernel, int stride, int padding) {
        return Conv.load(p, name, in, out, kernel, stride, padding);
    }

    GroupNorm groupNorm(String name, long channels, int groups) {
        return GroupNorm.load(p, name, channels, groups, EPS);
    }

    /** The quantizer's codebook [num_vq_embeddings, vq_embed_dim]. */
    VectorQuantizer quantizer() {
        return new VectorQuantizer(p.take("quantize.embedding.weight", config.numVqEmbeddings(), config.vqEmbedDim()));
    }

    /** The norm a layer uses: group norm, or (decoder with norm_type spatial) SpatialNorm conditioned on zq. */
    Norm norm(String name, long channels, NormType type) {
        if (type == NormType.GROUP) {
            return groupNorm(name, channels, config.normNumGroups());
        }
        long zq = config.latentChannels(); // SpatialNorm(zq_channels=temb_channels=latent_channels)
        return new SpatialNorm(groupNorm(name + ".norm_layer", channels, VqConfig.SPATIAL_NORM_GROUPS),
                conv(name + ".conv_y", zq, channels, 1, 1, 0), conv(name + ".conv_b", zq, channels, 1, 1, 0));
    }

    ResnetBlock resnet(String name, long in, long out, NormType type) {
        return new ResnetBlock(
                norm(name + ".norm1", in, type),
                conv(name + ".conv1", in, out, 3, 1, 1),
                norm(name + ".norm2", out, type),
                conv(name + ".conv2", out, out, 3, 1, 1),
                in == out ? null : conv(name + ".conv_shortcut", in, out, 1, 1, 0),
                config.activation());
    }

    MidBlock midBlock(String name, long channels, NormType type) {
        return new MidBlock(
                resnet(name + ".resnets.0", channels, channels, type),
                config.midBlockAddAttention() ? attention(name + ".attentions.0", channels, type) : null,
                resnet(name + ".resnets.1", channels, channels, type));
    }

    /**
     * A spatial self-attention as diffusers' Encoder, Decoder and mid block build it: attention_head_dim is the
     * block's channel count, so one head over all channels (scale C^-1/2); eps 1e-6; rescale_output_factor 1.
     */
    SpatialAttention attention(String name, long channels, NormType type) {
        Norm norm = norm(name + (type == NormType.GROUP ? ".group_norm" : ".spatial_norm"), channels, type);
        return new SpatialAttention(norm, new Attention(
                projection(name, "to_q", "query", channels),
                projection(name, "to_k", "key", channels),
                projection(name, "to_v", "value", channels),
                projection(name, "to_out.0", "proj_attn", channels),
                1, Math.toIntExact(channels)));
    }

    /**
     * A [C, C] projection under its current name, or under the name of diffusers' old AttentionBlock
     * (query/key/value/proj_attn), which from_pretrained still renames on load (tensor by tensor, whichever the
     * file holds); older hub checkpoints such as microsoft/vq-diffusion-ithq use it. group_norm kept its name.
     */
    private Linear projection(String attention, String name, String legacyName, long channels) {
        String current = attention + "." + name;
        String legacy = attention + "." + legacyName;
        return new Linear(
                p.take(p.storedName(current + ".weight", legacy + ".weight", channels, channels), channels, channels),
                p.take(p.storedName(current + ".bias", legacy + ".bias", channels), channels));
    }
}
