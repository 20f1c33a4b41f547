package io.vqgen.convert;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The research release's parameter names of the text-to-image transformer and of the CLIP text encoder, mapped to
 * diffusers' {@code Transformer2DModel} and transformers' {@code CLIPTextModel} (the mapping diffusers' own
 * conversion of the ITHQ model uses).
 */
final class ResearchNames {
    private static final Pattern BLOCK = Pattern.compile("blocks\\.(\\d+)\\.(.+)");
    private static final Pattern CLIP_LAYER = Pattern.compile("transformer\\.resblocks\\.(\\d+)\\.(.+)");

    private ResearchNames() {
    }

    /**
     * A Text2ImageTransformer key (without its {@code transformer.transformer.} prefix) in diffusers' names, or
     * null for a key this mapping does not know.
     */
    static String textTransformer(String key) {
        switch (key) {
            case "content_emb.emb.weight":
                return "latent_image_embedding.emb.weight";
            case "content_emb.height_emb.weight":
                return "latent_image_embedding.height_emb.weight";
            case "content_emb.width_emb.weight":
                return "latent_image_embedding.width_emb.weight";
            case "to_logits.0.weight":
                return "norm_out.weight";
            case "to_logits.0.bias":
                return "norm_out.bias";
            case "to_logits.1.weight":
                return "out.weight";
            case "to_logits.1.bias":
                return "out.bias";
            default:
                break;
        }
        Matcher m = BLOCK.matcher(key);
        if (!m.matches()) {
            return null;
        }
        String p = "transformer_blocks." + m.group(1) + ".";
        String rest = m.group(2);
        String[][] table = {
            {"ln1.", "norm1."}, {"ln1_1.", "norm2."}, {"ln2.", "norm3."},
            {"attn1.query.", "attn1.to_q."}, {"attn1.key.", "attn1.to_k."}, {"attn1.value.", "attn1.to_v."},
            {"attn1.proj.", "attn1.to_out.0."},
            {"attn2.query.", "attn2.to_q."}, {"attn2.key.", "attn2.to_k."}, {"attn2.value.", "attn2.to_v."},
            {"attn2.proj.", "attn2.to_out.0."},
            {"mlp.0.", "ff.net.0.proj."}, {"mlp.2.", "ff.net.2."},
        };
        for (String[] row : table) {
            if (rest.startsWith(row[0])) {
                return p + row[1] + rest.substring(row[0].length());
            }
        }
        return null;
    }

    /**
     * A CLIPTextEmbedding key (without its {@code transformer.condition_emb.} prefix) in CLIPTextModel's names, or
     * null. The fused {@code attn.in_proj_weight/bias} are split by the caller ({@link #clipInProjection}).
     */
    static String clip(String key) {
        switch (key) {
            case "token_embedding.weight":
                return "text_model.embeddings.token_embedding.weight";
            case "positional_embedding":
                return "text_model.embeddings.position_embedding.weight";
            case "ln_final.weight":
                return "text_model.final_layer_norm.weight";
            case "ln_final.bias":
                return "text_model.final_layer_norm.bias";
            default:
                break;
        }
        Matcher m = CLIP_LAYER.matcher(key);
        if (!m.matches()) {
            return null;
        }
        String p = "text_model.encoder.layers." + m.group(1) + ".";
        String[][] table = {
            {"attn.out_proj.", "self_attn.out_proj."}, {"ln_1.", "layer_norm1."}, {"ln_2.", "layer_norm2."},
            {"mlp.c_fc.", "mlp.fc1."}, {"mlp.c_proj.", "mlp.fc2."},
        };
        for (String[] row : table) {
            if (m.group(2).startsWith(row[0])) {
                return p + row[1] + m.group(2).substring(row[0].length());
            }
        }
        return null;
    }

    /** For {@code transformer.resblocks.N.attn.in_proj_weight/bias}: the q, k, v names it splits into, else null. */
    static String[] clipInProjection(String key) {
        Matcher m = CLIP_LAYER.matcher(key);
        if (!m.matches() || !m.group(2).startsWith("attn.in_proj_")) {
            return null;
        }
        String kind = m.group(2).endsWith("weight") ? "weight" : "bias";
        String p = "text_model.encoder.layers." + m.group(1) + ".self_attn.";
        return new String[] {p + "q_proj." + kind, p + "k_proj." + kind, p + "v_proj." + kind};
    }
}
