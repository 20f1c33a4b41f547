package io.vqgen.diffusion;

import java.nio.FloatBuffer;
import java.util.Arrays;

/**
 * The truncation threshold of one column (see {@link Truncation}), found by selection instead of sorting.
 *
 * <p>The reference walks the classes in descending log-probability order with a double running sum S of their
 * probabilities and stops at the first prefix whose float32 rounding is {@code >= rate}; that class is the last
 * one kept. Here the column is partitioned quickselect-style around pivot values: all classes above a pivot come
 * first in the reference order whatever their own order, so the running sum at the end of that group is known up
 * to rounding. Each double addition the reference makes is off by at most half an ulp, so an exact running sum
 * and the reference's differ by less than {@code delta = classes * ulp(max(total, 1))}; a decision is taken only
 * when it holds across that whole interval, and a column where it does not is redone the reference's way (full
 * sort, sequential double sum).
 *
 * <p>Not thread-safe: one instance per thread (it owns scratch arrays).
 */
final class ColumnCut {
    private final int classes;
    /** The column's log-probabilities and probabilities, permuted together by the partitioning. */
    private final float[] lp;
    private final float[] p;
    private long[] sortKeys;

    ColumnCut(int classes) {
        this.classes = classes;
        this.lp = new float[classes];
        this.p = new float[classes];
    }

    /**
     * @param logProbs log-probabilities, the column at {@code [base, base + classes)}
     * @param probs    their {@code exp}, as torch computed it, same layout
     * @param rate     the truncation rate as float32
     * @return the smallest kept log-probability, or -inf when every class is kept
     */
    float threshold(FloatBuffer logProbs, FloatBuffer probs, int base, float rate) {
        logProbs.get(base, lp, 0, classes);
        probs.get(base, p, 0, classes);
        double total = 0;
        for (int i = 0; i < classes; i++) {
            total += p[i];
        }
        if (!Double.isFinite(total)) {
            return exactThreshold(rate);  // NaN or +inf inputs: let the reference procedure decide
        }
        double delta = classes * Math.ulp(Math.max(total, 1.0));
        // Invariant: the last kept class is in [lo, hi), `before` is the sum of everything ahead of it in the
        // reference order, and the class at lo is kept.
        double before = 0;
        int lo = 0;
        int hi = classes;
        while (true) {
            float pivot = medianOfThree(lo, hi);
            // three-way partition of [lo, hi): > pivot | == pivot | < pivot
            int gt = lo;
            int i = lo;
            int lt = hi;
            double greater = 0;
            while (i < lt) {
                float v = lp[i];
                if (v > pivot) {
                    greater += p[i];
                    swap(i++, gt++);
                } else if (v < pivot) {
                    swap(i, --lt);
                } else {
                    i++;
                }
            }
            if (gt > lo) {
                Decision d = reaches(before + greater, delta, rate);
                if (d == Decision.YES) {
                    hi = gt;  // the last kept class is above the pivot
                    continue;
                }
                if (d == Decision.UNSURE) {
                    return exactThreshold(rate);
                }
            }
            // everything above the pivot is kept, hence the first class equal to it too
            double throughTied = before + greater + (double) (lt - gt) * p[gt];
            Decision d = reaches(throughTied, delta, rate);
            if (d == Decision.UNSURE) {
                return exactThreshold(rate);
            }
            if (d == Decision.YES || lt == hi) {
                // the cut is among the classes equal to the pivot (all kept), or nothing below it is left
                return pivot;
            }
            before = throughTied;
            lo = lt;
        }
    }

    /** The reference's own procedure on the loaded column: full descending sort, sequential double sums. */
    float exactThreshold(float rate) {
        if (sortKeys == null) {
            sortKeys = new long[classes];
        }
        for (int i = 0; i < classes; i++) {
            sortKeys[i] = ((long) ~sortable(lp[i]) << 32) | i;
        }
        Arrays.sort(sortKeys);
        double sum = 0;
        for (int k = 0; k < classes; k++) {
            int c = (int) sortKeys[k];
            sum += p[c];
            if ((float) sum >= rate) {
                return lp[c];
            }
        }
        return Float.NEGATIVE_INFINITY;
    }

    private enum Decision { YES, NO, UNSURE }

    /** Whether a prefix known to within {@code delta} rounds to a float32 {@code >= rate}. */
    private static Decision reaches(double sum, double delta, float rate) {
        if ((float) (sum - delta) >= rate) {
            return Decision.YES;
        }
        if ((float) (sum + delta) < rate) {
            return Decision.NO;
        }
        return Decision.UNSURE;
    }

    private void swap(int a, int b) {
        float l = lp[a];
        lp[a] = lp[b];
        lp[b] = l;
        float q = p[a];
        p[a] = p[b];
        p[b] = q;
    }

    private float medianOfThree(int lo, int hi) {
        float a = lp[lo];
        float b = lp[(lo + hi) >>> 1];
        float c = lp[hi - 1];
        return Math.max(Math.min(a, b), Math.min(Math.max(a, b), c));
    }

    /** An int whose signed order is the float's numeric order (-0.0 folded into 0.0). */
    private static int sortable(float v) {
        int bits = Float.floatToIntBits(v + 0.0f);
        return bits ^ ((bits >> 31) & 0x7FFFFFFF);
    }
}
