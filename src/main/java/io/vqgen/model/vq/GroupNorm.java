package io.vqgen.model.vq;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import io.vqgen.model.layers.Parameters;
import io.vqgen.model.layers.Precision;

/**
 * {@code nn.GroupNorm(groups, C, eps, affine=True)} on [B, C, H, W]. DJL has no group-norm op, so each
 * (sample, group) slab is normalised as one layer-norm row (same biased-variance statistics), then the
 * per-channel affine is applied. Computed in at least float32 (half-precision statistics over large groups
 * lose digits); the result returns in the input's dtype.
 *
 * @param gamma float32 [C, 1, 1]
 * @param beta  float32 [C, 1, 1]
 */
record GroupNorm(NDArray gamma, NDArray beta, int groups, float eps) implements Norm {

    /** Binds {@code name.weight} and {@code name.bias} [channels], kept in float32 whatever the weights' dtype. */
    static GroupNorm load(Parameters p, String name, long channels, int groups, float eps) {
        NDArray gamma = p.take(name + ".weight", DataType.FLOAT32, channels).reshape(channels, 1, 1);
        NDArray beta = p.take(name + ".bias", DataType.FLOAT32, channels).reshape(channels, 1, 1);
        return new GroupNorm(gamma, beta, groups, eps);
    }

    @Override
    public NDArray forward(NDArray x, NDArray zq) {
        return forward(x);
    }

    NDArray forward(NDArray x) {
        Shape shape = x.getShape();
        DataType type = x.getDataType();
        DataType work = Precision.atLeastFloat32(type);
        NDArray rows = x.toType(work, false).reshape(shape.get(0), groups, -1);
        Shape row = new Shape(rows.getShape().get(2));
        NDManager m = x.getManager();
        NDArray normed = rows.getNDArrayInternal()
                .layerNorm(rows, row, m.ones(row, work), m.zeros(row, work), eps).singletonOrThrow()
                .reshape(shape).muli(gamma).addi(beta);
        return normed.toType(type, false);
    }
}
