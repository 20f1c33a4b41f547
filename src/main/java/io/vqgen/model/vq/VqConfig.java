package io.vqgen.model.vq;

import io.vqgen.model.ModelException;
import io.vqgen.model.layers.Activation;
import io.vqgen.weights.ComponentConfig;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * A VQ-VAE's {@code config.json} (diffusers {@code VQModel}), read through {@link ComponentConfig} with diffusers
 * 0.24.0's defaults and checked for consistency ({@link #problems}).
 *
 * <p>{@code mid_block_add_attention} and {@code force_upcast} only exist from diffusers 0.25 on (0.24.0 ignores them);
 * where present they mean what they mean there: no attention in the mid blocks, and run the VQ-VAE in float32 even
 * when the rest of the pipeline is loaded in float16. {@code sample_size} and {@code scaling_factor} are
 * informative: {@code VQModel.decode} uses neither.
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
                       Activation activation, int latentChannels, int numVqEmbeddings, int vqEmbedDim,
                       int normNumGroups, NormType normType, boolean midBlockAddAttention, boolean forceUpcast,
                       int sampleSize, double scalingFactor, String quantizer, Integer numTokens) {

    /** The reference class whose config this is (and whose defaults absent keys take). */
    public static final String CLASS = "VQModel";

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
    }

    /** Reads a {@value #CLASS} config.json; unknown or inconsistent values are refused with what was expected. */
    public static VqConfig from(ComponentConfig config) {
        ComponentConfig c = config.as(CLASS);
        int latent = c.integer("latent_channels", 1);
        Integer vqEmbedDim = c.optionalInteger("vq_embed_dim", 1);
        VqConfig v = new VqConfig(
                c.integer("in_channels", 1),
                c.integer("out_channels", 1),
                c.texts("down_block_types"),
                c.texts("up_block_types"),
                c.integers("block_out_channels", 1),
                c.integer("layers_per_block", 1),
                activation(c.source(), c.text("act_fn")),
                latent,
                c.integer("num_vq_embeddings", 1),
                vqEmbedDim == null ? latent : vqEmbedDim,
                c.integer("norm_num_groups", 1),
                normType(c.source(), c.text("norm_type")),
                c.flag("mid_block_add_attention"),
                c.flag("force_upcast"),
                c.integer("sample_size", 1),
                c.number("scaling_factor", -Double.MAX_VALUE, Double.MAX_VALUE),
                c.text("quantizer"),
                c.optionalInteger("num_tokens", 1));
        v.check(c.source());
        return v;
    }

    /** Refuses a config that {@link #problems} finds fault with, naming {@code source}. */
    void check(String source) {
        List<String> problems = problems();
        if (!problems.isEmpty()) {
            throw new ModelException(source + ": " + String.join("; ", problems));
        }
    }

    /** What does not fit together: sizes that are not positive, block lists that disagree, channels groups cannot split. */
    public List<String> problems() {
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
        return problems;
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

    private static NormType normType(String source, String value) {
        return switch (value) {
            case "group" -> NormType.GROUP;
            case "spatial" -> NormType.SPATIAL;
            default -> throw new ModelException(source + ": norm_type '" + value
                    + "' is not supported (expected 'group' or 'spatial')");
        };
    }

    /** diffusers' {@code get_activation} names (case-insensitive, as it lowercases them). */
    private static Activation activation(String source, String name) {
        return switch (name.toLowerCase(Locale.ROOT)) {
            case "silu", "swish" -> Activation.SILU;
            case "mish" -> Activation.MISH;
            case "gelu" -> Activation.GELU;
            case "relu" -> Activation.RELU;
            default -> throw new ModelException(source + ": act_fn '" + name
                    + "' is not supported (expected silu, swish, mish, gelu or relu)");
        };
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
}
