package io.vqgen.diffusion;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.types.Shape;

/** {@code torch.where} with numpy broadcasting (DJL's {@code NDArrays.where} wants equal shapes). */
final class Where {
    private Where() {
    }

    static NDArray where(NDArray condition, NDArray ifTrue, NDArray ifFalse) {
        Shape shape = broadcast(broadcast(condition.getShape(), ifTrue.getShape()), ifFalse.getShape());
        return NDArrays.where(expand(condition, shape), expand(ifTrue, shape), expand(ifFalse, shape));
    }

    private static NDArray expand(NDArray a, Shape shape) {
        return a.getShape().equals(shape) ? a : a.broadcast(shape);
    }

    private static Shape broadcast(Shape a, Shape b) {
        int rank = Math.max(a.dimension(), b.dimension());
        long[] out = new long[rank];
        for (int i = 0; i < rank; i++) {
            long x = i < rank - a.dimension() ? 1 : a.get(i - (rank - a.dimension()));
            long y = i < rank - b.dimension() ? 1 : b.get(i - (rank - b.dimension()));
            if (x != y && x != 1 && y != 1) {
                throw new IllegalArgumentException("shapes " + a + " and " + b + " do not broadcast");
            }
            out[i] = x == 1 ? y : x;
        }
        return new Shape(out);
    }
}
