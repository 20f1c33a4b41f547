package io.vqgen.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import io.vqgen.model.layers.AdaLayerNorm;
import io.vqgen.model.layers.Attention;
import io.vqgen.model.layers.FeedForward;
import io.vqgen.model.layers.LayerNorm;
import io.vqgen.model.layers.Linear;
import io.vqgen.model.layers.Parameters;
import io.vqgen.model.layers.TimestepNorm;

/**
 * diffusers' BasicTransformerBlock (norm types ada_norm and layer_norm): pre-norm self-attention,
 * cross-attention on the text, feed-forward, each added to the residual stream.
 */
final class BasicTransformerBlock {
    private final TimestepNorm norm1;
    private final Attention attn1;      // self-attention, or cross-attention when only_cross_attention
    private final boolean attn1Cross;
    private final TimestepNorm norm2;   // null together with attn2
    private final Attention attn2;      // cross-attention; null when the config has no cross_attention_dim
    private final LayerNorm norm3;      // [dim]
    private final FeedForward ff;

    BasicTransformerBlock(Transformer2DConfig c, Parameters p, String prefix) {
        long dim = c.innerDim();
        norm1 = norm(c, p, prefix + "norm1");
        attn1Cross = c.onlyCrossAttention();
        attn1 = attention(c, p, prefix + "attn1", attn1Cross ? c.crossAttentionDim() : dim);
        if (c.crossAttentionDim() != null) {
            norm2 = norm(c, p, prefix + "norm2");
            attn2 = attention(c, p, prefix + "attn2", c.crossAttentionDim());
        } else {
            norm2 = null;
            attn2 = null;
        }
        norm3 = LayerNorm.load(p, prefix + "norm3", dim, c.normEps(), c.normElementwiseAffine());
        long inner = dim * Transformer2DConfig.FF_MULT;
        long projected = c.feedForwardGated() ? 2 * inner : inner;
        ff = new FeedForward(Linear.load(p, prefix + "ff.net.0.proj", dim, projected, true),
                c.feedForwardActivation(), c.feedForwardGated(), Linear.load(p, prefix + "ff.net.2", inner, dim, true));
    }

    /**
     * @param x        [B, N, dim]
     * @param context  [B, S, crossAttentionDim] text embeddings, in the weights' dtype (unused without cross-attention)
     * @param timestep int64 scalar
     */
    NDArray forward(NDArray x, NDArray context, NDArray timestep) {
        x = x.add(attn1.forward(norm1.forward(x, timestep), attn1Cross ? context : null, null));
        return afterFirstAttention(x, context, timestep);
    }

    /**
     * {@link #forward} of the rows {@code [x; x]} (the same tokens under two contexts) with the self-attention,
     * which does not see the context, computed once for both copies.
     *
     * @param x       [B, N, dim]
     * @param context [2B, S, crossAttentionDim]
     * @return [2B, N, dim]
     */
    NDArray forwardTwice(NDArray x, NDArray context, NDArray timestep) {
        if (attn1Cross) {
            return forward(NDArrays.concat(new NDList(x, x), 0), context, timestep);
        }
        x = x.add(attn1.forward(norm1.forward(x, timestep), null, null));
        return afterFirstAttention(NDArrays.concat(new NDList(x, x), 0), context, timestep);
    }

    private NDArray afterFirstAttention(NDArray x, NDArray context, NDArray timestep) {
        if (attn2 != null) {
            x = x.add(attn2.forward(norm2.forward(x, timestep), context, null));
        }
        return x.add(ff.forward(norm3.forward(x)));
    }

    private static TimestepNorm norm(Transformer2DConfig c, Parameters p, String name) {
        if (c.adaNorm()) {
            return AdaLayerNorm.load(p, name, c.numEmbedsAdaNorm(), c.innerDim());
        }
        return TimestepNorm.of(LayerNorm.load(p, name, c.innerDim(), c.normEps(), c.normElementwiseAffine()));
    }

    /** diffusers' Attention: q/k/v with bias when attention_bias, output projection always with bias. */
    private static Attention attention(Transformer2DConfig c, Parameters p, String prefix, long contextDim) {
        long dim = c.innerDim();
        boolean bias = c.attentionBias();
        return new Attention(
                Linear.load(p, prefix + ".to_q", dim, dim, bias),
                Linear.load(p, prefix + ".to_k", contextDim, dim, bias),
                Linear.load(p, prefix + ".to_v", contextDim, dim, bias),
                Linear.load(p, prefix + ".to_out.0", dim, dim, true),
                c.numAttentionHeads(), c.attentionHeadDim());
    }
}
