package io.vqgen.model.layers;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;

/**
 * Multi-head scaled dot-product attention, the classic path: softmax(scale·Q·Kᵀ + mask)·V with
 * batched matmuls over [batch, heads, tokens, headDim]. The scale is applied to Q before the
 * product, CLIP's order, which touches N·heads·headDim values instead of the heads·N·M scores.
 * diffusers scales the scores instead; the two agree exactly when the scale is a power of two
 * (head dims 4, 16, 64, 256) and to float32 rounding otherwise.
 */
public final class Attention {
    private final Linear toQ;   // [heads·headDim, queryDim]
    private final Linear toK;   // [heads·headDim, contextDim]
    private final Linear toV;   // [heads·headDim, contextDim]
    private final Linear toOut; // [queryDim, heads·headDim]
    private final int heads;
    private final int headDim;
    private final float scale;
    private final boolean upcast;

    /**
     * @param upcast compute Q·Kᵀ and the softmax in float32 whatever the weights dtype (diffusers'
     *               {@code upcast_attention}); the softmax of float16/bfloat16 scores is always done in float32
     */
    public Attention(Linear toQ, Linear toK, Linear toV, Linear toOut, int heads, int headDim, boolean upcast) {
        this.toQ = toQ;
        this.toK = toK;
        this.toV = toV;
        this.toOut = toOut;
        this.heads = heads;
        this.headDim = headDim;
        this.scale = (float) Math.pow(headDim, -0.5);
        this.upcast = upcast;
    }

    /**
     * @param x       [B, N, queryDim]
     * @param context [B, M, contextDim], or null for self-attention
     * @param mask    additive float32 mask broadcastable to [B, heads, N, M] (e.g. [N, M]), or null
     * @return [B, N, queryDim], allocated in x's manager
     */
    public NDArray forward(NDArray x, NDArray context, NDArray mask) {
        NDArray kv = context == null ? x : context;
        long b = x.getShape().get(0);
        long n = x.getShape().get(1);
        long m = kv.getShape().get(1);
        NDArray q = toQ.forward(x).mul(scale).reshape(b, n, heads, headDim).transpose(0, 2, 1, 3);   // [B,H,N,d]
        NDArray kT = toK.forward(kv).reshape(b, m, heads, headDim).transpose(0, 2, 3, 1);           // [B,H,d,M]
        NDArray v = toV.forward(kv).reshape(b, m, heads, headDim).transpose(0, 2, 1, 3);            // [B,H,M,d]
        DataType type = q.getDataType();
        if (upcast && type != DataType.FLOAT32) {
            q = q.toType(DataType.FLOAT32, false);
            kT = kT.toType(DataType.FLOAT32, false);
        }
        NDArray scores = q.matMul(kT);                                                               // [B,H,N,M]
        if (scores.getDataType() != DataType.FLOAT32) {
            scores = scores.toType(DataType.FLOAT32, false);
        }
        if (mask != null) {
            scores = scores.add(mask);
        }
        NDArray probs = scores.softmax(-1).toType(type, false);
        NDArray attended = probs.matMul(v).transpose(0, 2, 1, 3).reshape(new Shape(b, n, (long) heads * headDim));
        return toOut.forward(attended);
    }
}
