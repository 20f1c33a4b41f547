package io.vqgen.diffusion;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;

/** diffusers' {@code truncate}, transcribed op for op (sort with indices, cumsum, argsort of the indices, gather). */
final class DiffusersTruncate {
    private DiffusersTruncate() {
    }

    static NDArray truncate(NDArray logp, double rate) {
        NDManager m = logp.getManager();
        Shape shape = logp.getShape();
        NDArray indices = logp.argSort(1, false);
        NDArray sorted = logp.gather(indices, 1);
        NDArray keep = sorted.exp().cumSum(1).lt((float) rate);
        NDArray top = m.ones(new Shape(shape.get(0), 1, shape.get(2)), DataType.BOOLEAN);
        keep = top.concat(keep, 1).get(new NDIndex(":, :-1, :"));
        keep = keep.gather(indices.argSort(1, true), 1);
        return Where.where(keep, logp, m.create(Float.NEGATIVE_INFINITY));
    }
}
