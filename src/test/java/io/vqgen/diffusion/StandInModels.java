package io.vqgen.diffusion;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;

import java.util.concurrent.atomic.AtomicInteger;

/** Denoising models for sampler tests. */
final class StandInModels {
    private StandInModels() {
    }

    /** The same log p(x0) whatever the tokens and timestep: {@code probs[position][class]}, counting its calls. */
    static final class Fixed implements DenoisingModel {
        final AtomicInteger calls = new AtomicInteger();
        private final float[] logp;
        private final int classes;
        private final int positions;

        Fixed(double[][] probs) {
            positions = probs.length;
            classes = probs[0].length;
            logp = new float[classes * positions];
            for (int n = 0; n < positions; n++) {
                for (int c = 0; c < classes; c++) {
                    logp[c * positions + n] = (float) Math.log(probs[n][c]);
                }
            }
        }

        /** Every one of {@code positions} positions with distribution {@code p}. */
        static Fixed everywhere(double[] p, int positions) {
            double[][] probs = new double[positions][];
            java.util.Arrays.fill(probs, p);
            return new Fixed(probs);
        }

        @Override
        public NDArray logPx0(NDArray tokens, int t) {
            calls.incrementAndGet();
            long batch = tokens.getShape().get(0);
            NDManager m = tokens.getManager();
            return m.create(logp, new Shape(1, classes, positions)).repeat(0, batch);
        }
    }

    /**
     * A prediction that depends on the tokens, the timestep and the position, column by column (so an image's
     * prediction does not depend on its batch).
     */
    static DenoisingModel tokenDependent(int realClasses) {
        return (tokens, t) -> {
            NDManager m = tokens.getManager();
            long n = tokens.getShape().get(1);
            NDArray classes = m.arange(1f, realClasses + 1f, 1f).reshape(1, realClasses, 1);
            NDArray position = m.arange(0f, (float) n, 1f).reshape(1, 1, n);
            NDArray tok = tokens.toType(DataType.FLOAT32, false).expandDims(1).add(1f);
            return classes.mul(tok).add(position).mul(0.37f).add(0.11f * t).sin().mul(3f).logSoftmax(1);
        };
    }
}
