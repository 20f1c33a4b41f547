package io.vqgen.model.layers;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;

/**
 * Multi-head scaled dot-product attention with its projections, softmax(scale·Q·Kᵀ + mask)·V over [batch, heads,
 * tokens, headDim], computed by {@link ScaledDotProductAttention}: libtorch's fused kernel where this engine has it for
 * the weights' device and dtype (decided when the layer is built), else the plain path with the same mathematics.
 * The scale is applied to Q before the product, CLIP's order, which touches N·heads·headDim values instead of the
 * heads·N·M scores. diffusers scales the scores instead; the two agree exactly when the scale is a power of two
 * (head dims 4, 16, 64, 256) and to float32 rounding otherwise. Both paths compute the scores and softmax of
 * float16 inputs in float32, which is what diffusers' {@code upcast_attention} and {@code upcast_softmax} ask for, so
 * every configuration runs this one layer: the transformer's and CLIP's attentions, and the VQ-VAE's one-head
 * spatial attention (heads = 1, headDim = channels).
 */
public final class Attention {
    private final Linear toQ;   // [heads·headDim, queryDim]
    private final Linear toK;   // [heads·headDim, contextDim]
    private final Linear toV;   // [heads·headDim, contextDim]
    private final Linear toOut; // [queryDim, heads·headDim]
    private final int heads;
    private final int headDim;
    private final float scale;
    private final boolean fused;

    public Attention(Linear toQ, Linear toK, Linear toV, Linear toOut, int heads, int headDim) {
        this.toQ = toQ;
        this.toK = toK;
        this.toV = toV;
        this.toOut = toOut;
        this.heads = heads;
        this.headDim = headDim;
        this.scale = (float) Math.pow(headDim, -0.5);
        this.fused = ScaledDotProductAttention.fusedFor(toQ.device(), toQ.dtype());
    }

    /**
     * @param x       [B, N, queryDim]
     * @param context [B, M, contextDim], or null for self-attention
     * @param mask    additive mask broadcastable to [B, heads, N, M] (e.g. [N, M]), or null
     * @return [B, N, queryDim], allocated in x's manager
     */
    public NDArray forward(NDArray x, NDArray context, NDArray mask) {
        NDArray kv = context == null ? x : context;
        long b = x.getShape().get(0);
        long n = x.getShape().get(1);
        long m = kv.getShape().get(1);
        NDArray q = toQ.forward(x).mul(scale).reshape(b, n, heads, headDim).transpose(0, 2, 1, 3); // [B,H,N,d]
        NDArray k = toK.forward(kv).reshape(b, m, heads, headDim).transpose(0, 2, 1, 3);            // [B,H,M,d]
        NDArray v = toV.forward(kv).reshape(b, m, heads, headDim).transpose(0, 2, 1, 3);            // [B,H,M,d]
        if (mask != null && mask.getDataType() != q.getDataType()) {
            mask = mask.toType(q.getDataType(), false);
        }
        NDArray attended = fused ? ScaledDotProductAttention.fused(q, k, v, mask) : ScaledDotProductAttention.plain(q, k, v, mask);
        return toOut.forward(attended.transpose(0, 2, 1, 3).reshape(new Shape(b, n, (long) heads * headDim)));
    }
}
