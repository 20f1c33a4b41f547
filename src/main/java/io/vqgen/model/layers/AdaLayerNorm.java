package io.vqgen.model.layers;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;

/**
 * diffusers' AdaLayerNorm: {@code emb(t)} → SiLU → Linear → (scale, shift), then
 * {@code LayerNorm(x, no affine, eps 1e-5)·(1 + scale) + shift}. The embedding table is finite, so
 * (1 + scale) and shift are computed for every timestep at load and the forward is one fused
 * layer norm with them as its affine parameters.
 */
public final class AdaLayerNorm implements TimestepNorm {
    /** diffusers builds the inner {@code nn.LayerNorm(dim, elementwise_affine=False)} with torch's default eps. */
    private static final float EPS = 1e-5f;

    private final NDArray onePlusScale; // [numEmbeds, dim]
    private final NDArray shift;        // [numEmbeds, dim]

    private AdaLayerNorm(NDArray onePlusScale, NDArray shift) {
        this.onePlusScale = onePlusScale;
        this.shift = shift;
    }

    /** Binds {@code prefix.emb.weight} [numEmbeds, dim] and {@code prefix.linear} [2·dim, dim]; only the derived tables are kept. */
    public static AdaLayerNorm load(Parameters p, String prefix, long numEmbeds, long dim) {
        NDManager manager = p.manager();
        try (NDManager scratch = manager.newSubManager()) {
            Parameters s = p.in(scratch);
            NDArray emb = s.take(prefix + ".emb.weight", numEmbeds, dim);
            Linear linear = Linear.load(s, prefix + ".linear", dim, 2 * dim, true);
            NDList scaleShift = linear.forward(Activation.SILU.apply(emb)).split(2, 1); // torch.chunk(emb, 2): scale first
            NDArray onePlusScale = scaleShift.get(0).add(1f);
            NDArray shift = scaleShift.get(1).duplicate();
            onePlusScale.attach(manager);
            shift.attach(manager);
            return new AdaLayerNorm(onePlusScale, shift);
        }
    }

    @Override
    public NDArray forward(NDArray x, NDArray timestep) {
        NDArray gamma = Embedding.lookup(timestep, onePlusScale); // [dim]
        NDArray beta = Embedding.lookup(timestep, shift);         // [dim]
        return LayerNorm.apply(x, gamma, beta, EPS);
    }
}
