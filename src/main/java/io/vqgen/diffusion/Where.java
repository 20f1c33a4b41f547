package io.vqgen.diffusion;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;

/** {@code torch.where} with numpy broadcasting (DJL's {@code NDArrays.where} wants equal shapes). */
final class Where {
    private Where() {
    }

    /**
     * The result is owned by {@code ifTrue}'s manager, or by {@code condition}'s when {@code ifTrue} has to be
     * broadcast: a broadcast view is a temporary of the condition's scope, even when its source is a shared constant
     * ({@link io.vqgen.model.layers.Scalars}).
     */
    static NDArray where(NDArray condition, NDArray ifTrue, NDArray ifFalse) {
        Shape shape = broadcast(broadcast(condition.getShape(), ifTrue.getShape()), ifFalse.getShape());
        NDManager scope = condition.getManager();
        return NDArrays.where(expand(condition, shape, scope), expand(ifTrue, shape, scope),
                expand(ifFalse, shape, scope));
    }

    private static NDArray expand(NDArray a, Shape shape, NDManager scope) {
        if (a.getShape().equals(shape)) {
            return a;
        }
        NDArray view = a.broadcast(shape);
        if (view.getManager() != scope) {
            view.attach(scope);
        }
        return view;
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
