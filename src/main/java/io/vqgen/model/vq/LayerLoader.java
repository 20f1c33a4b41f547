package io.vqgen.model.vq;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import io.vqgen.model.vq.VqConfig.NormType;
import io.vqgen.weights.StateDict;

/** Builds the VQ-VAE's layers from weights addressed by their diffusers parameter names, checking every shape. */
final class LayerLoader {
    /** Every norm in diffusers' Encoder/Decoder/mid-block attention is built with eps 1e-6. */
    private static final float EPS = 1e-6f;

    private final StateDict weights;
    private final NDManager manager;
    private final DataType dtype;
    private final VqConfig config;

    LayerLoader(StateDict weights, NDManager manager, DataType dtype, VqConfig config) {
        this.weights = weights;
        this.manager = manager;
        this.dtype = dtype;
        this.config = config;
    }

    DataType dtype() {
        return dtype;
    }

    NDArray take(String name, long... shape) {
        return weights.take(manager, name, dtype, shape);
    }

    /** An int64 index table of {@code length} entries, each checked to lie in [0, bound). */
    NDArray takeIndices(String name, long length, long bound) {
        NDArray table = weights.take(manager, name, DataType.INT64, length);
        if (length > 0) {
            long min = table.min().getLong();
            long max = table.max().getLong();
            if (min < 0 || max >= bound) {
                throw new io.vqgen.weights.WeightsException("vqvae: " + name + " holds values from " + min + " to " + max
                        + ", expected 0.." + (bound - 1));
            }
        }
        return table;
    }

    Conv conv(String name, long in, long out, int kernel, int stride, int padding) {
        return new Conv(take(name + ".weight", out, in, kernel, kernel), take(name + ".bias", out), stride, padding);
    }

    GroupNorm groupNorm(String name, long channels, int groups) {
        NDArray gamma = weights.take(manager, name + ".weight", DataType.FLOAT32, channels).reshape(channels, 1, 1);
        NDArray beta = weights.take(manager, name + ".bias", DataType.FLOAT32, channels).reshape(channels, 1, 1);
        return new GroupNorm(gamma, beta, groups, EPS);
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
    Attention attention(String name, long channels, NormType type) {
        Norm norm = norm(name + (type == NormType.GROUP ? ".group_norm" : ".spatial_norm"), channels, type);
        return new Attention(norm,
                projection(name, "to_q", "query", channels),
                projection(name, "to_k", "key", channels),
                projection(name, "to_v", "value", channels),
                projection(name, "to_out.0", "proj_attn", channels),
                (float) Math.pow(channels, -0.5));
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
                take(weights.storedName(current + ".weight", legacy + ".weight", channels, channels), channels, channels),
                take(weights.storedName(current + ".bias", legacy + ".bias", channels), channels));
    }
}
