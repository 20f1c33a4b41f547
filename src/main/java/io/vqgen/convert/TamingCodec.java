package io.vqgen.convert;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * taming-transformers' VQGAN ({@code VQModel} with {@code VectorQuantizer2}, or {@code GumbelVQ} with
 * {@code GumbelQuantize}) as diffusers' {@code VQModel}: the encoder and decoder are the same network (diffusers'
 * VAE blocks were ported from it), so the conversion is a renaming: levels become blocks (the decoder's in reverse
 * order), {@code nin_shortcut} becomes {@code conv_shortcut}, attention's 1×1 convolutions become linear layers,
 * {@code norm_out} becomes {@code conv_norm_out}. The Gumbel codebook {@code quantize.embed} becomes
 * {@code quantize.embedding}; its logit projection {@code quantize.proj} is kept under that name.
 */
final class TamingCodec {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Pattern RESNET = Pattern.compile("(encoder|decoder)\\.(down|up)\\.(\\d+)\\.block\\.(\\d+)\\.(norm1|conv1|norm2|conv2|nin_shortcut)\\.(weight|bias)");
    private static final Pattern ATTN = Pattern.compile("(encoder|decoder)\\.(down|up)\\.(\\d+)\\.attn\\.(\\d+)\\.(norm|q|k|v|proj_out)\\.(weight|bias)");
    private static final Pattern RESAMPLE = Pattern.compile("(encoder|decoder)\\.(down|up)\\.(\\d+)\\.(downsample|upsample)\\.conv\\.(weight|bias)");
    private static final Pattern MID = Pattern.compile("(encoder|decoder)\\.mid\\.(block_1|attn_1|block_2)\\.(\\w+)\\.(weight|bias)");
    private static final Pattern END = Pattern.compile("(encoder|decoder)\\.(conv_in|conv_out|norm_out)\\.(weight|bias)");
    private static final Pattern CONV_1X1_AS_LINEAR = Pattern.compile(
            "(encoder|decoder)\\.((down|up)\\.\\d+\\.attn\\.\\d+|mid\\.attn_1)\\.(q|k|v|proj_out)\\.weight");
    private static final Pattern PLAIN = Pattern.compile("(quant_conv|post_quant_conv)\\.(weight|bias)");

    private TamingCodec() {
    }

    /** The VQModel config.json (with vqgen's quantizer and num_tokens keys) of a taming codec yaml. */
    static ObjectNode config(ResearchYaml taming, boolean gumbel, Integer numTokens) {
        String dd = "model.params.ddconfig.";
        if (taming.booleanOr(dd + "double_z", true)) {
            throw new ConversionException(taming.file() + ": key '" + dd + "double_z' must be false for a VQGAN codec");
        }
        int ch = taming.integer(dd + "ch");
        int[] mult = taming.integers(dd + "ch_mult");
        if (mult.length == 0 || mult[0] != 1) {
            throw new ConversionException(taming.file() + ": key '" + dd + "ch_mult' must start with 1 (diffusers' "
                    + "encoder has no separate input width), found " + java.util.Arrays.toString(mult));
        }
        int resolution = taming.integer(dd + "resolution");
        List<Integer> attn = java.util.Arrays.stream(taming.integersOrOne(dd + "attn_resolutions")).boxed().toList();
        ObjectNode c = JSON.createObjectNode();
        c.put("_class_name", "VQModel");
        c.put("_diffusers_version", "0.24.0");
        c.put("act_fn", "silu");
        ArrayNode channels = c.putArray("block_out_channels");
        ArrayNode down = c.putArray("down_block_types");
        for (int level = 0; level < mult.length; level++) {
            channels.add(ch * mult[level]);
            down.add(attn.contains(resolution >> level) ? "AttnDownEncoderBlock2D" : "DownEncoderBlock2D");
        }
        ArrayNode up = c.putArray("up_block_types");
        for (int level = mult.length - 1; level >= 0; level--) {
            up.add(attn.contains(resolution >> level) ? "AttnUpDecoderBlock2D" : "UpDecoderBlock2D");
        }
        c.put("in_channels", taming.integer(dd + "in_channels"));
        c.put("out_channels", taming.integer(dd + "out_ch"));
        c.put("latent_channels", taming.integer(dd + "z_channels"));
        c.put("layers_per_block", taming.integer(dd + "num_res_blocks"));
        c.put("norm_num_groups", 32);
        c.put("norm_type", "group");
        c.put("num_vq_embeddings", taming.integer("model.params.n_embed"));
        c.put("vq_embed_dim", taming.integer("model.params.embed_dim"));
        c.put("sample_size", resolution);
        c.put("scaling_factor", 1.0);
        c.put("quantizer", gumbel ? "gumbel" : "nearest");
        if (numTokens != null) {
            c.put("num_tokens", numTokens);
        }
        return c;
    }

    /** Renames every taming tensor of {@code m} (keys in taming's own names) to diffusers' VQModel names. */
    static void map(TensorMap m, int levels, boolean gumbel) {
        for (String key : m.keysWithPrefix("")) {
            String to = rename(key, levels, gumbel);
            if (to == null) {
                continue; // left for checkAllMapped to report
            }
            if (CONV_1X1_AS_LINEAR.matcher(key).matches()) {
                long c = m.shape(key)[0];
                m.reshape(key, to, c, m.shape(key)[1]); // [C, C, 1, 1] → [C, C]
            } else {
                m.rename(key, to);
            }
        }
    }

    private static String rename(String key, int levels, boolean gumbel) {
        Matcher r = RESNET.matcher(key);
        if (r.matches()) {
            String part = r.group(5).equals("nin_shortcut") ? "conv_shortcut" : r.group(5);
            return block(r.group(1), r.group(2), r.group(3), levels) + ".resnets." + r.group(4) + "." + part + "." + r.group(6);
        }
        Matcher a = ATTN.matcher(key);
        if (a.matches()) {
            return block(a.group(1), a.group(2), a.group(3), levels) + ".attentions." + a.group(4) + "."
                    + attention(a.group(5)) + "." + a.group(6);
        }
        Matcher s = RESAMPLE.matcher(key);
        if (s.matches()) {
            return block(s.group(1), s.group(2), s.group(3), levels) + "."
                    + (s.group(4).equals("downsample") ? "downsamplers" : "upsamplers") + ".0.conv." + s.group(5);
        }
        Matcher mid = MID.matcher(key);
        if (mid.matches()) {
            String inner = switch (mid.group(2)) {
                case "block_1" -> "resnets.0." + (mid.group(3).equals("nin_shortcut") ? "conv_shortcut" : mid.group(3));
                case "block_2" -> "resnets.1." + (mid.group(3).equals("nin_shortcut") ? "conv_shortcut" : mid.group(3));
                default -> "attentions.0." + attention(mid.group(3));
            };
            return mid.group(1) + ".mid_block." + inner + "." + mid.group(4);
        }
        Matcher e = END.matcher(key);
        if (e.matches()) {
            return e.group(1) + "." + (e.group(2).equals("norm_out") ? "conv_norm_out" : e.group(2)) + "." + e.group(3);
        }
        if (PLAIN.matcher(key).matches()) {
            return key;
        }
        if (gumbel && key.equals("quantize.embed.weight")) {
            return "quantize.embedding.weight";
        }
        if (gumbel && (key.equals("quantize.proj.weight") || key.equals("quantize.proj.bias"))) {
            return key;
        }
        if (!gumbel && key.equals("quantize.embedding.weight")) {
            return key;
        }
        return null;
    }

    private static String attention(String part) {
        return switch (part) {
            case "norm" -> "group_norm";
            case "q" -> "to_q";
            case "k" -> "to_k";
            case "v" -> "to_v";
            case "proj_out" -> "to_out.0";
            default -> part; // left for the model's shape check to report
        };
    }

    /** taming's level L of the encoder is diffusers' down block L; of the decoder, up block (levels − 1 − L). */
    private static String block(String half, String direction, String level, int levels) {
        int l = Integer.parseInt(level);
        return half.equals("encoder") ? "encoder.down_blocks." + l : "decoder.up_blocks." + (levels - 1 - l);
    }
}
