package io.vqgen.eval;

/**
 * The CLIP score over a set of pairs, from sums so that executors' partial sums add up: torchmetrics' value
 * {@code max(Σ score / n, 0)}, the unclamped mean, and the sample standard deviation of the per-pair scores.
 *
 * @param n     pairs scored
 * @param sum   Σ score
 * @param sumSq Σ score²
 */
public record ClipScoreSummary(long n, double sum, double sumSq) implements java.io.Serializable {
    public static ClipScoreSummary of(float[] scores) {
        double s = 0;
        double q = 0;
        for (float v : scores) {
            s += v;
            q += (double) v * v;
        }
        return new ClipScoreSummary(scores.length, s, q);
    }

    public ClipScoreSummary plus(ClipScoreSummary o) {
        return new ClipScoreSummary(n + o.n, sum + o.sum, sumSq + o.sumSq);
    }

    /** torchmetrics' CLIPScore.compute(): the mean clamped at 0. */
    public double clipScore() {
        return Math.max(mean(), 0);
    }

    public double mean() {
        return n == 0 ? Double.NaN : sum / n;
    }

    /** Sample standard deviation (n − 1), NaN below 2 pairs. */
    public double std() {
        if (n < 2) {
            return Double.NaN;
        }
        double var = (sumSq - sum * sum / n) / (n - 1);
        return Math.sqrt(Math.max(var, 0));
    }
}
