package io.vqgen.diffusion;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import io.vqgen.model.layers.Scalars;

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
 * exactly with a full sort and the reference's sequential double sum. That is the {@link StepPath#HOST} path. On the
 * {@link StepPath#DEVICE} path, where sorting is cheap and reading back is not, the columns are sorted (values only)
 * on the device and their prefixes summed in float64, each rounded to float32: exactly the reference's sums (torch's
 * CPU cumsum of float32 accumulates in double), and on any device (a float32 cumsum on CUDA would accumulate in float32).
 * Both paths give the same thresholds.
 *
 * <p>Ties: torch's sort order among exactly equal log-probabilities is unspecified, so when equal values straddle
 * the cut, which of them the reference keeps is arbitrary. Here every class equal to the last kept value is kept
 * (deterministic, independent of class order). Without such a tie the result is bit-identical to the reference.
 */
public final class Truncation {
    /** Below this many elements the host selection runs on the calling thread only. */
    private static final long PARALLEL_ELEMENTS = 1 << 18;
    /** Log-probabilities per piece of the device sort: whole images, 16 Mi elements (about 21 bytes each in flight). */
    static final long DEVICE_PIECE_ELEMENTS = 1 << 24;

    private Truncation() {
    }

    /** {@link #truncate(NDArray, double, StepPath)} on the {@link StepPath#HOST} path. */
    public static NDArray truncate(NDArray logp, double rate) {
        return truncate(logp, rate, StepPath.HOST);
    }

    /**
     * @param logp float32 [B, C, N] log-probabilities over axis 1
     * @param rate cumulative probability to keep, 0..1 (0 keeps only the top class; 1.0 still drops the tail
     *             beyond the point where the float32 prefix reaches 1)
     * @return float32 [B, C, N]: {@code logp} where kept, -inf elsewhere, on {@code logp}'s manager
     */
    public static NDArray truncate(NDArray logp, double rate, StepPath path) {
        check(logp, rate);
        NDArray threshold = path == StepPath.HOST
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

    /**
     * Per-column thresholds [B, 1, N] from a full (values only) sort, summed as the reference does, a few whole
     * images at a time ({@value #DEVICE_PIECE_ELEMENTS} elements) so that the temporaries of a large batch stay bounded.
     */
    static NDArray sortThresholds(NDArray logp, float rate) {
        return sortThresholds(logp, rate, DEVICE_PIECE_ELEMENTS);
    }

    /** {@link #sortThresholds(NDArray, float)} in pieces of whole images of at most {@code pieceElements} (at least one image). */
    static NDArray sortThresholds(NDArray logp, float rate, long pieceElements) {
        NDManager m = logp.getManager();
        long batch = logp.getShape().get(0);
        long classes = logp.getShape().get(1);
        long images = Math.max(1, pieceElements / (classes * logp.getShape().get(2)));
        NDList pieces = new NDList();
        for (long b = 0; b < batch; b += images) {
            try (NDManager scope = m.newSubManager()) {
                scope.tempAttachAll(logp);
                NDArray part = batch <= images ? logp : logp.get(new NDIndex("{}:{}", b, Math.min(batch, b + images)));
                NDArray sorted = part.neg().sort(1).neg();
                NDArray prefix = sorted.exp().toType(DataType.FLOAT64, false).cumSum(1).toType(DataType.FLOAT32, false);
                NDArray below = prefix.lt(Scalars.of(prefix, rate)).sum(new int[] {1}, true);
                // below = index of the first prefix >= rate; below == classes means none reaches it: keep all
                NDArray cut = sorted.gather(below.minimum(Scalars.of(below, classes - 1)), 1);
                NDArray threshold = Where.where(below.eq(Scalars.of(below, classes)),
                        Scalars.of(cut, Float.NEGATIVE_INFINITY), cut);
                threshold.attach(m);
                pieces.add(threshold);
            }
        }
        if (pieces.size() == 1) {
            return pieces.head();
        }
        NDArray all = NDArrays.concat(pieces, 0);
        pieces.close();
        return all;
    }

    /** Keeps {@code logp >= threshold}, -inf elsewhere. */
    static NDArray apply(NDArray logp, NDArray threshold) {
        return Where.where(logp.gte(threshold), logp, Scalars.of(logp, Float.NEGATIVE_INFINITY));
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
