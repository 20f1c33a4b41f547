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
        NDList tables = tables(p, prefix, numEmbeds, dim, false);
        return new AdaLayerNorm(tables.get(0), tables.get(1));
    }

    /**
     * The (1 + scale) and shift tables [rows, dim] of an AdaLayerNorm, in {@code p}'s manager. With {@code meanRow} a
     * last row is added for the mean of the embeddings: the research code's AdaLayerNorm uses it for an index at or
     * past the table's end (ImageNet models without a learned unconditional class).
     */
    public static NDList tables(Parameters p, String prefix, long numEmbeds, long dim, boolean meanRow) {
        NDManager manager = p.manager();
        try (NDManager scratch = manager.newSubManager()) {
            Parameters s = p.in(scratch);
            NDArray emb = s.take(prefix + ".emb.weight", numEmbeds, dim);
            if (meanRow) {
                emb = emb.concat(emb.mean(new int[] {0}, true), 0);
            }
            Linear linear = Linear.load(s, prefix + ".linear", dim, 2 * dim, true);
            NDList scaleShift = linear.forward(Activation.SILU.apply(emb)).split(2, 1); // torch.chunk(emb, 2): scale first
            NDArray onePlusScale = scaleShift.get(0).add(1f);
            NDArray shift = scaleShift.get(1).duplicate();
            onePlusScale.attach(manager);
            shift.attach(manager);
            return new NDList(onePlusScale, shift);
        }
    }

    @Override
    public NDArray forward(NDArray x, NDArray timestep) {
        NDArray gamma = Embedding.lookup(timestep, onePlusScale); // [dim]
        NDArray beta = Embedding.lookup(timestep, shift);         // [dim]
        return LayerNorm.apply(x, gamma, beta, EPS);
    }
}
