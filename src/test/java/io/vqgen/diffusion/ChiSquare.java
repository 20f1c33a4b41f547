package io.vqgen.diffusion;

/** Pearson's goodness-of-fit statistic for the statistical tests. */
final class ChiSquare {
    /** Upper 0.1% quantile of chi-square with 4 degrees of freedom. */
    static final double CRITICAL_DF4 = 18.467;

    private ChiSquare() {
    }

    static double statistic(long[] counts, double[] p) {
        long n = 0;
        for (long c : counts) {
            n += c;
        }
        double stat = 0;
        for (int i = 0; i < counts.length; i++) {
            double expected = n * p[i];
            stat += (counts[i] - expected) * (counts[i] - expected) / expected;
        }
        return stat;
    }
}
