package io.vqgen.diffusion;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.util.stream.IntStream;

/**
 * diffusers' {@code VQDiffusionPipeline.truncate}, with the same result and a fraction of the cost.
 *
 * <p>The reference, per (image, position) column over the class axis: sort the log-probabilities descending,
 * {@code exp}, {@code cumsum} (torch accumulates a float32 cumsum in double and rounds each prefix to float32),
 * keep a class when the prefix <em>before</em> it is {@code < rate} (compared in float32; the top class is always
 * kept), set the rest to -inf. The kept classes are therefore the first k+1 of the sorted order, where k is the
 * first index whose prefix reaches the rate, i.e. every class whose log-probability is {@code >=} the k-th largest.
 * This class finds that threshold per column and applies it with one comparison; it never builds diffusers'
 * argsort of the sort indices.
 *
 * <p>On the CPU the threshold comes from a selection in Java ({@link ColumnCut}: one pass bucketing the column's
 * probabilities, then a quickselect among the classes of one bucket; no sort): sums of probabilities are tracked
 * with an error bound, and a column whose decision falls within that bound of a float32 rounding boundary is redone
 * exactly with a full sort and the reference's sequential double sum. On other devices, where sorting is cheap,
 * the columns are sorted (values only) and the prefixes summed exactly as the reference does.
 *
 * <p>Ties: torch's sort order among exactly equal log-probabilities is unspecified, so when equal values straddle
 * the cut, which of them the reference keeps is arbitrary. Here every class equal to the last kept value is kept
 * (deterministic, independent of class order). Without such a tie the result is bit-identical to the reference.
 */
public final class Truncation {
    /** Below this many elements the host selection runs on the calling thread only. */
    private static final long PARALLEL_ELEMENTS = 1 << 18;

    private Truncation() {
    }

    /**
     * @param logp float32 [B, C, N] log-probabilities over axis 1
     * @param rate cumulative probability to keep, 0..1 (0 keeps only the top class; 1.0 still drops the tail
     *             beyond the point where the float32 prefix reaches 1)
     * @return float32 [B, C, N]: {@code logp} where kept, -inf elsewhere, on {@code logp}'s manager
     */
    public static NDArray truncate(NDArray logp, double rate) {
        check(logp, rate);
        NDArray threshold = logp.getDevice().getDeviceType().equals(Device.Type.CPU)
                ? selectThresholds(logp, (float) rate)
                : sortThresholds(logp, (float) rate);
        return apply(logp, threshold);
    }

    /** Per-column thresholds [B, 1, N] by selection on the host (the CPU strategy). */
    static NDArray selectThresholds(NDArray logp, float rate) {
        Shape shape = logp.getShape();
        int batch = Math.toIntExact(shape.get(0));
        int classes = Math.toIntExact(shape.get(1));
        int tokens = Math.toIntExact(shape.get(2));
        NDManager m = logp.getManager();
        float[] thresholds = new float[batch * tokens];
        try (NDManager scope = m.newSubManager()) {
            scope.tempAttachAll(logp);
            // columns are read class-contiguous: [B, N, C] in C order, which is how the model's log-probabilities
            // are stored (then read in place, without a copy)
            FloatBuffer lp = floats(logp.transpose(0, 2, 1));
            FloatBuffer p = floats(logp.exp().transpose(0, 2, 1));
            ThreadLocal<ColumnCut> cuts = ThreadLocal.withInitial(() -> new ColumnCut(classes));
            IntStream columns = IntStream.range(0, thresholds.length);
            if ((long) thresholds.length * classes >= PARALLEL_ELEMENTS) {
                columns = columns.parallel();
            }
            columns.forEach(column -> thresholds[column] =
                    cuts.get().threshold(lp, p, Math.toIntExact((long) column * classes), rate));
        }
        return m.create(thresholds, new Shape(batch, 1, tokens)).toDevice(logp.getDevice(), false);
    }

    /** Per-column thresholds [B, 1, N] from a full (values only) sort, summed as the reference does. */
    static NDArray sortThresholds(NDArray logp, float rate) {
        NDManager m = logp.getManager();
        long classes = logp.getShape().get(1);
        try (NDManager scope = m.newSubManager()) {
            scope.tempAttachAll(logp);
            NDArray sorted = logp.neg().sort(1).neg();
            NDArray below = sorted.exp().cumSum(1).lt(rate).sum(new int[] {1}, true);
            // below = index of the first prefix >= rate; below == classes means none reaches it: keep all
            NDArray cut = sorted.gather(below.minimum(classes - 1), 1);
            NDArray threshold = Where.where(below.eq(classes), scope.create(Float.NEGATIVE_INFINITY), cut);
            threshold.attach(m);
            return threshold;
        }
    }

    /** Keeps {@code logp >= threshold}, -inf elsewhere. */
    static NDArray apply(NDArray logp, NDArray threshold) {
        NDManager m = logp.getManager();
        return Where.where(logp.gte(threshold), logp, m.create(Float.NEGATIVE_INFINITY));
    }

    private static void check(NDArray logp, double rate) {
        if (!(rate >= 0 && rate <= 1)) {
            throw new IllegalArgumentException("truncation rate must be in [0, 1], got " + rate);
        }
        if (logp.getShape().dimension() != 3 || logp.getShape().get(1) < 1) {
            throw new IllegalArgumentException("log-probabilities must be [batch, classes, tokens], got "
                    + logp.getShape());
        }
        if (logp.getDataType() != DataType.FLOAT32) {
            throw new IllegalArgumentException("log-probabilities must be float32, got " + logp.getDataType());
        }
    }

    /** The array's float32 values in C order: read in place when it is contiguous on the CPU, else a copy. */
    static FloatBuffer floats(NDArray a) {
        ByteBuffer bytes = a.toByteBuffer(true);
        return bytes.order(ByteOrder.nativeOrder()).asFloatBuffer();
    }
}
