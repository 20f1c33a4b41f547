package io.vqgen.model.vq;

import com.fasterxml.jackson.databind.JsonNode;
import io.vqgen.weights.WeightsException;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * A VQ-VAE's {@code config.json} (diffusers {@code VQModel}), checked for consistency.
 *
 * <p>Keys that diffusers 0.24.0 reads are honoured with its defaults. {@code mid_block_add_attention} and
 * {@code force_upcast} only exist from diffusers 0.25 on (0.24.0 ignores them); where present they mean what
 * they mean there: no attention in the mid blocks, and run the VQ-VAE in float32 even when the rest of the
 * pipeline is loaded in float16. {@code sample_size} and {@code scaling_factor} are informative:
 * {@code VQModel.decode} uses neither.
 *
 * @param downBlockTypes {@code DownEncoderBlock2D} or {@code AttnDownEncoderBlock2D}, one per block
 * @param upBlockTypes   {@code UpDecoderBlock2D} or {@code AttnUpDecoderBlock2D}, one per block (deepest first)
 * @param vqEmbedDim     codebook vector size ({@code vq_embed_dim}, defaults to {@code latent_channels})
 * @param quantizer      vqgen key {@code quantizer}: how the encoder picks codes, {@code "nearest"} (diffusers'
 *                       VectorQuantizer, the default) or {@code "gumbel"} (taming-transformers' GumbelQuantize: the
 *                       largest logit of the 1×1 convolution {@code quantize.proj}; decoding is the same row lookup)
 * @param numTokens      vqgen key {@code num_tokens}: when set, the token ids the VQ-VAE takes are 0..num_tokens-1,
 *                       mapped to codebook rows by the int64 tensor {@code token_to_code} [num_tokens] and back by
 *                       {@code code_to_token} [num_vq_embeddings] (the research release's shrunk codebooks, e.g. 2887
 *                       of 8192 codes); null: token id = codebook row
 */
public record VqConfig(int inChannels, int outChannels, List<String> downBlockTypes, List<String> upBlockTypes,
                       int[] blockOutChannels, int layersPerBlock,
                       ActivationFunction activation, int latentChannels, int numVqEmbeddings, int vqEmbedDim,
                       int normNumGroups, NormType normType, boolean midBlockAddAttention, boolean forceUpcast,
                       int sampleSize, double scalingFactor, String quantizer, Integer numTokens) {

    /** The decoder's normalisation: plain group norm, or MoVQ's spatially conditioned norm. */
    public enum NormType { GROUP, SPATIAL }

    /** SpatialNorm's group norm always has 32 groups in diffusers, whatever norm_num_groups says. */
    static final int SPATIAL_NORM_GROUPS = 32;

    static final String DOWN_BLOCK = "DownEncoderBlock2D";
    static final String ATTN_DOWN_BLOCK = "AttnDownEncoderBlock2D";
    static final String UP_BLOCK = "UpDecoderBlock2D";
    static final String ATTN_UP_BLOCK = "AttnUpDecoderBlock2D";
    public static final String NEAREST = "nearest";
    public static final String GUMBEL = "gumbel";

    public VqConfig {
        blockOutChannels = blockOutChannels.clone();
        downBlockTypes = List.copyOf(downBlockTypes);
        upBlockTypes = List.copyOf(upBlockTypes);
        List<String> problems = new ArrayList<>();
        if (blockOutChannels.length == 0) {
            problems.add("block_out_channels is empty");
        }
        blockTypes(problems, "down_block_types", downBlockTypes, blockOutChannels.length, DOWN_BLOCK, ATTN_DOWN_BLOCK);
        blockTypes(problems, "up_block_types", upBlockTypes, blockOutChannels.length, UP_BLOCK, ATTN_UP_BLOCK);
        positive(problems, "in_channels", inChannels);
        positive(problems, "out_channels", outChannels);
        positive(problems, "layers_per_block", layersPerBlock);
        positive(problems, "latent_channels", latentChannels);
        positive(problems, "num_vq_embeddings", numVqEmbeddings);
        positive(problems, "vq_embed_dim", vqEmbedDim);
        positive(problems, "norm_num_groups", normNumGroups);
        for (int i = 0; i < blockOutChannels.length; i++) {
            int c = blockOutChannels[i];
            if (c <= 0) {
                problems.add("block_out_channels[" + i + "] = " + c + " must be positive");
            } else if (normNumGroups > 0 && c % normNumGroups != 0) {
                problems.add("block_out_channels[" + i + "] = " + c + " is not divisible by norm_num_groups = "
                        + normNumGroups + " (group norm needs whole groups)");
            } else if (normType == NormType.SPATIAL && c % SPATIAL_NORM_GROUPS != 0) {
                problems.add("block_out_channels[" + i + "] = " + c + " is not divisible by 32, the group count of"
                        + " norm_type 'spatial' (SpatialNorm)");
            }
        }
        if (normType == NormType.SPATIAL && vqEmbedDim != latentChannels) {
            problems.add("norm_type 'spatial' conditions the decoder on the codebook vectors through layers built for"
                    + " latent_channels = " + latentChannels + " channels, so vq_embed_dim (" + vqEmbedDim
                    + ") must equal it");
        }
        if (!quantizer.equals(NEAREST) && !quantizer.equals(GUMBEL)) {
            problems.add("quantizer '" + quantizer + "' is not supported (expected '" + NEAREST + "' or '" + GUMBEL + "')");
        }
        if (numTokens != null && (numTokens <= 0 || numTokens > numVqEmbeddings)) {
            problems.add("num_tokens = " + numTokens + " must be in 1.." + numVqEmbeddings + " (num_vq_embeddings)");
        }
        if (!problems.isEmpty()) {
            throw new WeightsException("vqvae config: " + String.join("; ", problems));
        }
    }

    /** Reads a VQModel config.json; unknown or inconsistent values are refused with what was expected. */
    public static VqConfig fromJson(JsonNode json) {
        String cls = json.path("_class_name").asText("VQModel");
        if (!cls.equals("VQModel")) {
            throw new WeightsException("vqvae config: _class_name is '" + cls + "', expected 'VQModel'");
        }
        int[] channels = intArray(json, "block_out_channels", new int[] {64});
        int latent = intValue(json, "latent_channels", 3);
        JsonNode vqDim = json.get("vq_embed_dim");
        return new VqConfig(
                intValue(json, "in_channels", 3),
                intValue(json, "out_channels", 3),
                blockTypes(json, "down_block_types", DOWN_BLOCK, channels.length),
                blockTypes(json, "up_block_types", UP_BLOCK, channels.length),
                channels,
                intValue(json, "layers_per_block", 1),
                ActivationFunction.fromConfig(json.path("act_fn").asText("silu")),
                latent,
                intValue(json, "num_vq_embeddings", 256),
                vqDim == null || vqDim.isNull() ? latent : intValue(json, "vq_embed_dim", latent),
                intValue(json, "norm_num_groups", 32),
                normType(json.path("norm_type").asText("group")),
                boolValue(json, "mid_block_add_attention", true),
                boolValue(json, "force_upcast", false),
                intValue(json, "sample_size", 32),
                json.path("scaling_factor").asDouble(0.18215),
                json.path("quantizer").asText(NEAREST),
                json.hasNonNull("num_tokens") ? intValue(json, "num_tokens", 0) : null);
    }

    /** How many token ids the VQ-VAE takes: {@code num_tokens} when the codebook is mapped, else its size. */
    public int tokenCount() {
        return numTokens != null ? numTokens : numVqEmbeddings;
    }

    /** How much smaller the latent grid is than the image: 2^(number of blocks - 1). */
    public int downsampleFactor() {
        return 1 << (blockOutChannels.length - 1);
    }

    @Override
    public int[] blockOutChannels() {
        return blockOutChannels.clone();
    }

    int channels(int i) {
        return blockOutChannels[i];
    }

    int blocks() {
        return blockOutChannels.length;
    }

    /** Whether down block i (counted from the input) is an {@code AttnDownEncoderBlock2D}. */
    boolean downBlockAttention(int i) {
        return downBlockTypes.get(i).equals(ATTN_DOWN_BLOCK);
    }

    /** Whether up block i (counted from the decoder's input, deepest first) is an {@code AttnUpDecoderBlock2D}. */
    boolean upBlockAttention(int i) {
        return upBlockTypes.get(i).equals(ATTN_UP_BLOCK);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof VqConfig c && toString().equals(c.toString());
    }

    @Override
    public int hashCode() {
        return toString().hashCode();
    }

    @Override
    public String toString() {
        return "VqConfig[in_channels=" + inChannels + ", out_channels=" + outChannels + ", down_block_types="
                + downBlockTypes + ", up_block_types=" + upBlockTypes + ", block_out_channels="
                + Arrays.toString(blockOutChannels) + ", layers_per_block=" + layersPerBlock + ", act_fn="
                + activation + ", latent_channels=" + latentChannels + ", num_vq_embeddings=" + numVqEmbeddings
                + ", vq_embed_dim=" + vqEmbedDim + ", norm_num_groups=" + normNumGroups + ", norm_type=" + normType
                + ", mid_block_add_attention=" + midBlockAddAttention + ", force_upcast=" + forceUpcast
                + ", sample_size=" + sampleSize + ", scaling_factor=" + scalingFactor + ", quantizer=" + quantizer
                + ", num_tokens=" + numTokens + "]";
    }

    private static NormType normType(String value) {
        return switch (value) {
            case "group" -> NormType.GROUP;
            case "spatial" -> NormType.SPATIAL;
            default -> throw new WeightsException("vqvae config: norm_type '" + value
                    + "' is not supported (expected 'group' or 'spatial')");
        };
    }

    /** The configured block types; diffusers' default (one plain block) when the key is absent. */
    private static List<String> blockTypes(JsonNode json, String key, String fallback, int blocks) {
        JsonNode types = json.get(key);
        if (types == null) {
            if (blocks != 1) {
                throw new WeightsException("vqvae config: " + key + " is missing; diffusers' default has one block but"
                        + " block_out_channels has " + blocks);
            }
            return List.of(fallback);
        }
        if (!types.isArray()) {
            throw new WeightsException("vqvae config: " + key + " must be a list, got " + types);
        }
        List<String> out = new ArrayList<>();
        for (JsonNode t : types) {
            if (!t.isTextual()) {
                throw new WeightsException("vqvae config: " + key + " must be a list of block type names, got " + types);
            }
            out.add(t.asText());
        }
        return out;
    }

    private static void blockTypes(List<String> problems, String key, List<String> types, int blocks, String plain,
                                   String attention) {
        if (types.size() != blocks) {
            problems.add(key + " has " + types.size() + " entries but block_out_channels has " + blocks
                    + " (one block per channel count)");
        }
        for (int i = 0; i < types.size(); i++) {
            if (!types.get(i).equals(plain) && !types.get(i).equals(attention)) {
                problems.add(key + "[" + i + "] = '" + types.get(i) + "' is not supported (expected '" + plain
                        + "' or '" + attention + "')");
            }
        }
    }

    private static void positive(List<String> problems, String key, int value) {
        if (value <= 0) {
            problems.add(key + " = " + value + " must be positive");
        }
    }

    private static int intValue(JsonNode json, String key, int fallback) {
        JsonNode n = json.get(key);
        if (n == null || n.isNull()) {
            return fallback;
        }
        if (!n.canConvertToInt() || !n.isIntegralNumber()) {
            throw new WeightsException("vqvae config: " + key + " must be an integer, got " + n);
        }
        return n.intValue();
    }

    private static boolean boolValue(JsonNode json, String key, boolean fallback) {
        JsonNode n = json.get(key);
        if (n == null || n.isNull()) {
            return fallback;
        }
        if (!n.isBoolean()) {
            throw new WeightsException("vqvae config: " + key + " must be true or false, got " + n);
        }
        return n.booleanValue();
    }

    private static int[] intArray(JsonNode json, String key, int[] fallback) {
        JsonNode n = json.get(key);
        if (n == null || n.isNull()) {
            return fallback;
        }
        if (!n.isArray()) {
            throw new WeightsException("vqvae config: " + key + " must be a list of integers, got " + n);
        }
        int[] out = new int[n.size()];
        for (int i = 0; i < out.length; i++) {
            JsonNode v = n.get(i);
            if (!v.isIntegralNumber() || !v.canConvertToInt()) {
                throw new WeightsException("vqvae config: " + key + "[" + i + "] must be an integer, got " + v);
            }
            out[i] = v.intValue();
        }
        return out;
    }
}
