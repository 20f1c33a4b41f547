package io.vqgen.diffusion;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;

import java.util.function.Supplier;

/**
 * Truncation at the ITHQ size, [2, 4096, 1024], on random log-softmax inputs: this port vs diffusers' procedure
 * transcribed op for op ({@link DiffusersTruncate}). Not a test; run with
 * {@code java -cp target/test-classes:target/classes:<dependency classpath> io.vqgen.diffusion.TruncationBenchmark}.
 */
public final class TruncationBenchmark {
    private TruncationBenchmark() {
    }

    public static void main(String[] args) {
        int tokens = args.length > 0 ? Integer.parseInt(args[0]) : 1024;
        try (NDManager m = NDManager.newBaseManager()) {
            m.getEngine().setRandomSeed(1);
            for (float spread : new float[] {1, 3, 12}) {
                NDArray logp = m.randomNormal(0, spread, new Shape(2, 4096, tokens), DataType.FLOAT32).logSoftmax(1);
                for (double rate : new double[] {1.0, 0.86}) {
                    double port = bestOf(5, m, logp, () -> Truncation.truncate(logp, rate));
                    double naive = bestOf(2, m, logp, () -> DiffusersTruncate.truncate(logp, rate));
                    System.out.printf("logit spread %4.1f  rate %.2f  port %8.1f ms  diffusers procedure %8.1f ms%n",
                            spread, rate, port, naive);
                }
            }
        }
    }

    private static double bestOf(int runs, NDManager m, NDArray input, Supplier<NDArray> op) {
        double best = Double.MAX_VALUE;
        for (int i = 0; i < runs; i++) {
            try (NDManager scope = m.newSubManager()) {
                scope.tempAttachAll(input);
                long start = System.nanoTime();
                op.get().toByteBuffer(true);
                best = Math.min(best, (System.nanoTime() - start) / 1e6);
            }
        }
        return best;
    }
}
