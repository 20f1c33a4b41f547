package io.vqgen.model.layers;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;

/** {@code torch.nn.LayerNorm} over the last dimension, as one fused native call. */
public final class LayerNorm {
    private final NDArray gamma; // [dim]
    private final NDArray beta;  // [dim]
    private final float eps;

    public LayerNorm(NDArray gamma, NDArray beta, float eps) {
        this.gamma = gamma;
        this.beta = beta;
        this.eps = eps;
    }

    /**
     * Binds {@code prefix.weight} and {@code prefix.bias} [dim]; without elementwise affine the
     * layer has no weights and scales by 1, shifts by 0.
     */
    public static LayerNorm load(Parameters p, String prefix, long dim, double eps, boolean affine) {
        if (!affine) {
            return withoutAffine(p.manager(), dim, eps, p.floatType());
        }
        return new LayerNorm(p.take(prefix + ".weight", dim), p.take(prefix + ".bias", dim), (float) eps);
    }

    private static LayerNorm withoutAffine(NDManager manager, long dim, double eps, DataType type) {
        return new LayerNorm(manager.ones(new Shape(dim), type), manager.zeros(new Shape(dim), type), (float) eps);
    }

    /** [..., dim] → [..., dim], allocated in x's manager. */
    public NDArray forward(NDArray x) {
        return apply(x, gamma, beta, eps);
    }

    /** (x − mean) / √(var + eps) · gamma + beta over the last dimension, gamma and beta [dim]. */
    public static NDArray apply(NDArray x, NDArray gamma, NDArray beta, float eps) {
        return x.getNDArrayInternal().layerNorm(x, gamma.getShape(), gamma, beta, eps).singletonOrThrow();
    }
}
