package io.vqgen.diffusion;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import io.vqgen.model.layers.Scalars;

import java.nio.FloatBuffer;
import java.util.stream.IntStream;

/**
 * Noise that depends only on (image seed, network call, stream, position): never on the batch, other threads or
 * the global generator. Uniforms come from a counter-based SplitMix64 hash computed in Java (N per image per
 * draw); classes are drawn by inverse CDF: {@code u * total} located in the running sum of {@code exp(logp - max)}
 * over classes. That is N uniforms per image per step instead of the (K+1)·N of Gumbel-max, with the same
 * distribution (up to the 2^-24 resolution of the uniforms).
 *
 * <p>Bit-identity alone vs in a batch: every tensor operation used is either element-wise or runs along the class
 * axis of one (image, position) column, so an image's result does not depend on its neighbours.
 */
public final class PerImageNoise implements NoiseSource {
    private static final long GOLDEN_GAMMA = 0x9E3779B97F4A7C15L;
    private static final long SEED_SALT = 0x6A09E667F3BCC909L;
    private static final int CLASS_STREAM = 0;
    private static final int POSITION_STREAM = 1;
    /** Below this many weights the host scan runs on the calling thread only. */
    private static final long PARALLEL_ELEMENTS = 1 << 18;

    private final long[] seeds;
    /** Device path only (else null): float32 [calls, B, 1, N] class-stream uniforms of the whole call. */
    private final NDArray classUniforms;
    /** Device path only (else null): float64 [calls, B, N] position-stream uniforms of the whole call. */
    private final NDArray positionUniforms;

    /**
     * Noise for the {@link StepPath#HOST} path: each draw's uniforms are hashed when it is made, and classes are
     * drawn by a scan of running sums on the host.
     *
     * @param seeds one seed per image of the batch, in batch order
     */
    public PerImageNoise(long... seeds) {
        this.seeds = checkSeeds(seeds);
        this.classUniforms = null;
        this.positionUniforms = null;
    }

    private PerImageNoise(long[] seeds, NDArray classUniforms, NDArray positionUniforms) {
        this.seeds = seeds;
        this.classUniforms = classUniforms;
        this.positionUniforms = positionUniforms;
    }

    /**
     * Noise for the {@link StepPath#DEVICE} path: the uniforms of every network call of the sampling call are hashed
     * now and uploaded to {@code manager}'s device in one copy per stream (calls × B × N × 12 bytes: 1.2 MB per image
     * for 100 calls of 1024 tokens), and classes are drawn on the device; nothing is copied during the steps. The
     * draws are the same as {@link #PerImageNoise(long...)}'s, bit for bit.
     *
     * @param manager owns the uploaded uniforms until {@link #close}
     * @param length  tokens per image
     * @param calls   network calls of the sampling call ({@link Sampler#networkCalls})
     */
    public static PerImageNoise onDevice(NDManager manager, int length, int calls, long... seeds) {
        long[] checked = checkSeeds(seeds);
        int batch = checked.length;
        float[] classes = new float[calls * batch * length];
        double[] positions = new double[calls * batch * length];
        for (int call = 0; call < calls; call++) {
            float[] c = classUniforms(checked, call, length);
            double[] p = positionUniforms(checked, call, length);
            System.arraycopy(c, 0, classes, call * batch * length, c.length);
            System.arraycopy(p, 0, positions, call * batch * length, p.length);
        }
        NDManager owner = manager.newSubManager();
        return new PerImageNoise(checked, owner.create(classes, new Shape(calls, batch, 1, length)),
                owner.create(positions, new Shape(calls, batch, length)));
    }

    private static long[] checkSeeds(long[] seeds) {
        if (seeds == null || seeds.length == 0) {
            throw new IllegalArgumentException("per-image noise needs one seed per image, got none");
        }
        return seeds.clone();
    }

    @Override
    public NDArray sampleClasses(NDArray logProbs, int call) {
        Shape shape = logProbs.getShape();
        if (shape.dimension() != 3) {
            throw new IllegalArgumentException("log-probabilities must be [batch, classes, tokens], got " + shape);
        }
        int batch = checkBatch(shape.get(0));
        int length = Math.toIntExact(shape.get(2));
        NDManager m = logProbs.getManager();
        try (NDManager scope = m.newSubManager()) {
            scope.tempAttachAll(logProbs);
            NDArray weights = logProbs.sub(logProbs.max(new int[] {1}, true)).exp(); // in logProbs' layout
            NDArray classes = classUniforms == null
                    ? scanOnHost(weights, classUniforms(seeds, call, length), batch, length)
                    : scanOnDevice(weights, uploaded(classUniforms, scope, call, length));
            classes.attach(m);
            return classes;
        }
    }

    /** Call {@code call}'s uniforms of the class stream, image-major: N per image. */
    private static float[] classUniforms(long[] seeds, int call, int length) {
        float[] u = new float[seeds.length * length];
        for (int b = 0; b < seeds.length; b++) {
            long stream = stream(seeds[b], call, CLASS_STREAM);
            for (int n = 0; n < length; n++) {
                // top 24 bits: k * 2^-24 in [0, 1 - 2^-24], exact in float32
                u[b * length + n] = (hash(stream, n) >>> 40) * 0x1p-24f;
            }
        }
        return u;
    }

    /** Call {@code call}'s uniforms of the position stream, in (0, 1), image-major. */
    private static double[] positionUniforms(long[] seeds, int call, int length) {
        double[] u = new double[seeds.length * length];
        for (int b = 0; b < seeds.length; b++) {
            long stream = stream(seeds[b], call, POSITION_STREAM);
            for (int n = 0; n < length; n++) {
                u[b * length + n] = ((hash(stream, n) >>> 11) + 0.5) * 0x1p-53;
            }
        }
        return u;
    }

    /** Call {@code call}'s slice of uniforms uploaded by {@link #onDevice}, as a view in {@code manager}. */
    private static NDArray uploaded(NDArray all, NDManager manager, int call, int length) {
        if (call < 0 || call >= all.getShape().get(0) || all.getShape().get(all.getShape().dimension() - 1) != length) {
            throw new IllegalArgumentException("per-image noise was prepared for " + all.getShape().get(0)
                    + " network calls of " + all.getShape().get(all.getShape().dimension() - 1)
                    + " tokens, asked for call " + call + " of " + length + " tokens");
        }
        return all.get(manager, call);
    }

    /**
     * The class of each column: the number of classes whose running sum is {@code <= u * total}, capped at the
     * last class. Running sums as torch's {@code cumsum} forms them: accumulated in double, each rounded to float32
     * (so both strategies draw the same classes). The host scan stops at the drawn class and reads the columns
     * class-contiguous, in place when the weights are stored that way (the model's layout).
     */
    static NDArray scanOnHost(NDArray weights, float[] u, int batch, int length) {
        int classes = Math.toIntExact(weights.getShape().get(1));
        FloatBuffer w = Truncation.floats(weights.transpose(0, 2, 1)); // [B, N, K]
        long[] drawn = new long[batch * length];
        IntStream columns = IntStream.range(0, drawn.length);
        if ((long) drawn.length * classes >= PARALLEL_ELEMENTS) {
            columns = columns.parallel();
        }
        columns.forEach(column -> {
            int base = Math.toIntExact((long) column * classes);
            double sum = 0;
            for (int k = 0; k < classes; k++) {
                sum += w.get(base + k);
            }
            // u <= 1 - 2^-24 makes u * total < total in float32, so the count stops at a class with weight > 0
            float target = u[column] * (float) sum;
            double running = 0;
            int k = 0;
            while (k < classes - 1) {
                running += w.get(base + k);
                if (!((float) running <= target)) { // as torch's comparison: a NaN column draws class 0
                    break;
                }
                k++;
            }
            drawn[column] = k;
        });
        return weights.getManager().create(drawn, new Shape(batch, length));
    }

    /**
     * {@link #scanOnHost} with tensor operations on the weights' device: the running sums accumulated in float64
     * and rounded to float32 as the host scan forms them (a float32 cumsum on CUDA would accumulate in float32),
     * the class = how many of them are {@code <= u * total}, capped at the last class.
     *
     * @param uniform float32 [B, 1, N] on the weights' device
     */
    static NDArray scanOnDevice(NDArray weights, NDArray uniform) {
        NDArray cdf = weights.toType(DataType.FLOAT64, false).cumSum(1).toType(DataType.FLOAT32, false);
        NDArray total = cdf.get(new NDIndex(":, -1:, :"));
        NDArray target = uniform.mul(total);
        NDArray count = cdf.lte(target).sum(new int[] {1});
        return count.minimum(Scalars.of(count, weights.getShape().get(1) - 1));
    }

    @Override
    public NDArray uniforms(NDManager manager, int batch, int length, int call) {
        checkBatch(batch);
        return positionUniforms == null ? manager.create(positionUniforms(seeds, call, length), new Shape(batch, length))
                : uploaded(positionUniforms, manager, call, length);
    }

    @Override
    public void close() {
        if (classUniforms != null) {
            classUniforms.getManager().close();
        }
    }

    private int checkBatch(long batch) {
        if (batch != seeds.length) {
            throw new IllegalArgumentException("per-image noise has " + seeds.length + " seeds but the batch has "
                    + batch + " images");
        }
        return (int) batch;
    }

    private static long stream(long seed, int call, int purpose) {
        return mix(mix(seed ^ SEED_SALT) + (2L * call + purpose + 1) * GOLDEN_GAMMA);
    }

    private static long hash(long stream, int position) {
        return mix(stream + (position + 1L) * GOLDEN_GAMMA);
    }

    /** SplitMix64's output function (Stafford's variant 13). */
    private static long mix(long z) {
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }
}
