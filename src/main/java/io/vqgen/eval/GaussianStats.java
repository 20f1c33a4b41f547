package io.vqgen.eval;

/**
 * The mean and covariance of a set of features (what pytorch-fid calls mu and sigma), in float64.
 *
 * @param count how many feature vectors they summarise (0 when unknown, e.g. statistics from another tool)
 * @param mean  [dim]
 * @param cov   [dim × dim], row-major, symmetric
 */
public record GaussianStats(long count, double[] mean, double[] cov) {
    public GaussianStats {
        if (mean.length == 0 || cov.length != (long) mean.length * mean.length) {
            throw new IllegalArgumentException("covariance of " + cov.length + " values does not fit a mean of "
                    + mean.length + " values");
        }
    }

    public int dim() {
        return mean.length;
    }
}
