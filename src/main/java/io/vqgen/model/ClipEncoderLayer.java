package io.vqgen.model;

import ai.djl.ndarray.NDArray;
import io.vqgen.model.layers.Activation;
import io.vqgen.model.layers.Attention;
import io.vqgen.model.layers.FeedForward;
import io.vqgen.model.layers.LayerNorm;
import io.vqgen.model.layers.Linear;
import io.vqgen.model.layers.Parameters;

/**
 * transformers' {@code CLIPEncoderLayer}, shared by the text and vision towers: pre-norm self-attention and MLP,
 * each added to the residual stream.
 */
final class ClipEncoderLayer {
    private final LayerNorm layerNorm1; // [hidden]
    private final Attention selfAttn;
    private final LayerNorm layerNorm2; // [hidden]
    private final FeedForward mlp;      // fc1 [inner, hidden], fc2 [hidden, inner]

    private ClipEncoderLayer(LayerNorm layerNorm1, Attention selfAttn, LayerNorm layerNorm2, FeedForward mlp) {
        this.layerNorm1 = layerNorm1;
        this.selfAttn = selfAttn;
        this.layerNorm2 = layerNorm2;
        this.mlp = mlp;
    }

    /** Binds {@code prefix.self_attn.*}, {@code prefix.layer_norm1/2.*} and {@code prefix.mlp.fc1/fc2.*}. */
    static ClipEncoderLayer load(Parameters p, String prefix, int hidden, int inner, int heads, double eps,
                                 Activation activation) {
        Attention attn = new Attention(
                Linear.load(p, prefix + "self_attn.q_proj", hidden, hidden, true),
                Linear.load(p, prefix + "self_attn.k_proj", hidden, hidden, true),
                Linear.load(p, prefix + "self_attn.v_proj", hidden, hidden, true),
                Linear.load(p, prefix + "self_attn.out_proj", hidden, hidden, true),
                heads, hidden / heads);
        FeedForward mlp = new FeedForward(Linear.load(p, prefix + "mlp.fc1", hidden, inner, true),
                activation, false, Linear.load(p, prefix + "mlp.fc2", inner, hidden, true));
        return new ClipEncoderLayer(LayerNorm.load(p, prefix + "layer_norm1", hidden, eps, true), attn,
                LayerNorm.load(p, prefix + "layer_norm2", hidden, eps, true), mlp);
    }

    /** @param mask additive attention mask broadcastable to [B, heads, N, N], or null */
    NDArray forward(NDArray x, NDArray mask) {
        x = x.add(selfAttn.forward(layerNorm1.forward(x), null, mask));
        return x.add(mlp.forward(layerNorm2.forward(x)));
    }
}
