package io.vqgen.eval;

import java.io.Serializable;

/**
 * The sufficient statistics of a set of feature vectors, in float64: the count n, Σx and the upper triangle of Σxxᵀ
 * (packed row by row). Sums from any split of the set add up to the sums of the whole, whatever the order, so
 * executors sum their images and the driver only adds sums.
 */
public final class FeatureSums implements Serializable {
    private static final long serialVersionUID = 1L;

    private final int dim;
    private long count;
    private final double[] sum;
    private final double[] outer; // packed upper triangle: row i holds (i, i) … (i, dim-1)

    public FeatureSums(int dim) {
        if (dim < 1) {
            throw new IllegalArgumentException("feature dimension must be positive, got " + dim);
        }
        this.dim = dim;
        this.sum = new double[dim];
        this.outer = new double[Math.toIntExact((long) dim * (dim + 1) / 2)];
    }

    /** Adds one feature vector. */
    public void add(float[] x) {
        if (x.length != dim) {
            throw new IllegalArgumentException("feature vector of " + x.length + " values, expected " + dim);
        }
        for (float v : x) {
            if (!Float.isFinite(v)) {
                throw new IllegalArgumentException("feature vector holds a non-finite value (" + v + ")");
            }
        }
        count++;
        int k = 0;
        for (int i = 0; i < dim; i++) {
            double xi = x[i];
            sum[i] += xi;
            for (int j = i; j < dim; j++) {
                outer[k++] += xi * x[j];
            }
        }
    }

    /** Adds another set's sums into this one; returns this. */
    public FeatureSums merge(FeatureSums other) {
        if (other.dim != dim) {
            throw new IllegalArgumentException("cannot add sums of dimension " + other.dim + " to sums of dimension " + dim);
        }
        count += other.count;
        for (int i = 0; i < dim; i++) {
            sum[i] += other.sum[i];
        }
        for (int k = 0; k < outer.length; k++) {
            outer[k] += other.outer[k];
        }
        return this;
    }

    public int dim() {
        return dim;
    }

    public long count() {
        return count;
    }

    /** The mean and the unbiased covariance (n − 1 in the denominator, as numpy's cov), in float64. */
    public GaussianStats stats() {
        if (count < 2) {
            throw new IllegalStateException("a covariance needs at least 2 feature vectors, have " + count);
        }
        double[] mean = new double[dim];
        for (int i = 0; i < dim; i++) {
            mean[i] = sum[i] / count;
        }
        double[] cov = new double[dim * dim];
        int k = 0;
        for (int i = 0; i < dim; i++) {
            for (int j = i; j < dim; j++) {
                double c = (outer[k++] - count * mean[i] * mean[j]) / (count - 1);
                cov[i * dim + j] = c;
                cov[j * dim + i] = c;
            }
        }
        return new GaussianStats(count, mean, cov);
    }
}
