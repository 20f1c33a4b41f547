package io.vqgen.diffusion;

import java.nio.FloatBuffer;
import java.util.Arrays;

/**
 * The truncation threshold of one column (see {@link Truncation}), found without sorting the column.
 *
 * <p>The reference walks the classes in descending log-probability order with a double running sum S of their
 * probabilities and stops at the first prefix whose float32 rounding is {@code >= rate}; that class is the last one
 * kept. Here: one pass sums the probabilities into buckets by their float bits (exponent and two mantissa bits;
 * a higher bucket holds only larger probabilities, hence larger log-probabilities); the buckets, taken from the top,
 * show which one holds the last kept class; a quickselect-like partition of that bucket's classes around pivot
 * values finishes the search. Whatever the order inside a group of larger classes, the reference's running sum at
 * the end of the group is their sum up to rounding: each double addition is off by at most half an ulp, so an
 * exact running sum and the reference's differ by less than {@code delta = classes * ulp(max(total, 1))}. A
 * decision is taken only when it holds across that whole interval; a column where one does not (about one column
 * in 10^5 near rate 1.0) is redone the reference's way: full sort, sequential double sum.
 *
 * <p>Not thread-safe: one instance per thread (it owns scratch arrays).
 */
final class ColumnCut {
    /** Bucket = the top 11 bits of a non-negative float: 8 exponent bits, 2 mantissa bits. */
    private static final int BUCKET_SHIFT = 21;
    private static final int BUCKETS = 1 << (31 - BUCKET_SHIFT);

    private final int classes;
    /** The column being searched; the search permutes lp and p together. */
    private final float[] lp;
    private final float[] p;
    private final double[] bucketMass = new double[BUCKETS];
    private long[] sortKeys;

    ColumnCut(int classes) {
        this.classes = classes;
        this.lp = new float[classes];
        this.p = new float[classes];
    }

    /**
     * The threshold of one column, stored class-contiguous.
     *
     * @param logProbs the log-probabilities
     * @param probs    their {@code exp} as torch computed it, same layout
     * @param offset   index of the column's first class in both buffers
     * @return the smallest kept log-probability, or -inf when every class is kept
     */
    float threshold(FloatBuffer logProbs, FloatBuffer probs, int offset, float rate) {
        logProbs.get(offset, lp);
        probs.get(offset, p);
        return threshold(rate);
    }

    /** The threshold of the column loaded in {@link #lp} / {@link #p}. */
    private float threshold(float rate) {
        double total = 0;
        int top = 0;
        int lowest = BUCKETS;
        int highest = -1;
        for (int i = 0; i < classes; i++) {
            float pi = p[i];
            total += pi;
            if (lp[i] > lp[top]) {
                top = i;
            }
            int b = bucket(pi);
            bucketMass[b] += pi;
            lowest = Math.min(lowest, b);
            highest = Math.max(highest, b);
        }
        try {
            if (!Double.isFinite(total)) {
                return exactThreshold(rate);  // NaN or +inf inputs: let the reference procedure decide
            }
            double delta = classes * Math.ulp(Math.max(total, 1.0));
            // the two common answers first: nothing reaches the rate, or the top class alone does
            Decision all = reaches(total, delta, rate);
            if (all == Decision.NO) {
                return Float.NEGATIVE_INFINITY;
            }
            if (all == Decision.YES && reaches(p[top], delta, rate) == Decision.YES) {
                return lp[top];
            }
            // the bucket holding the last kept class: the first whose end reaches the rate
            double before = 0;
            int cut = highest;
            while (true) {
                Decision d = reaches(before + bucketMass[cut], delta, rate);
                if (d == Decision.YES) {
                    break;
                }
                if (d == Decision.UNSURE || cut == lowest) {
                    return exactThreshold(rate);
                }
                before += bucketMass[cut];
                cut--;
            }
            // gather that bucket's classes at the front, then search among them
            int n = 0;
            for (int i = 0; i < classes; i++) {
                if (bucket(p[i]) == cut) {
                    swap(i, n++);
                }
            }
            float found = select(n, before, delta, rate);
            return Float.isNaN(found) ? exactThreshold(rate) : found;
        } finally {
            Arrays.fill(bucketMass, Math.max(lowest, 0), highest + 1, 0.0);
        }
    }

    /**
     * Quickselect over [0, hi), all of whose classes lie below everything already summed into {@code before}, and
     * whose largest class is kept.
     *
     * @return the smallest kept log-probability, or NaN when a decision falls within rounding of the boundary
     */
    private float select(int hi, double before, double delta, float rate) {
        // Invariant: the last kept class is in [lo, hi), `before` sums everything ahead of it in the reference
        // order, and the class at lo is kept.
        int lo = 0;
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
                    return Float.NaN;
                }
            }
            // everything above the pivot is kept, hence the first class equal to it too
            double throughTied = before + greater + (double) (lt - gt) * p[gt];
            Decision d = reaches(throughTied, delta, rate);
            if (d == Decision.UNSURE) {
                return Float.NaN;
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
    private float exactThreshold(float rate) {
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

    /** Buckets order probabilities: a larger bucket index means a larger probability. */
    private static int bucket(float probability) {
        return Float.floatToRawIntBits(probability) >>> BUCKET_SHIFT;
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
