package io.vqgen.eval;

import org.ejml.data.DMatrixRMaj;
import org.ejml.dense.row.CommonOps_MT_DDRM;
import org.ejml.dense.row.factory.DecompositionFactory_DDRM;
import org.ejml.interfaces.decomposition.EigenDecomposition_F64;

/**
 * The Fréchet distance between two Gaussians, as pytorch-fid's {@code calculate_frechet_distance} defines it:
 * ‖μ1 − μ2‖² + tr Σ1 + tr Σ2 − 2·tr √(Σ1Σ2), in float64.
 *
 * <p>Only the trace of the square root is needed, and it is the sum of the square roots of the eigenvalues of
 * Σ1Σ2, which are those of the symmetric positive semi-definite S = Σ1^½ Σ2 Σ1^½ (AB and BA share their eigenvalues).
 * So instead of scipy's general {@code sqrtm} (a complex Schur form), this factors Σ1 = R·Rᵀ (pivoted Cholesky, which
 * also covers a singular Σ1) and sums the square roots of the eigenvalues of the symmetric Rᵀ Σ2 R. Eigenvalues that rounding makes slightly negative count as 0, where scipy's square root turns them into
 * imaginary parts that pytorch-fid then drops: the same result, and always finite, also when fewer images than
 * dimensions make both covariances singular. Linear algebra by EJML (pure Java, maintained, its dense symmetric
 * solvers and multithreaded products are among the fastest on the JVM; Commons Math 3 has not been released since
 * 2016 and is several times slower on 2048×2048).
 */
public final class FrechetDistance {
    private FrechetDistance() {
    }

    /** The parts of the distance, for reports: distance = meanTerm + trace1 + trace2 − 2·traceSqrt. */
    public record Result(double distance, double meanTerm, double trace1, double trace2, double traceSqrt) {
    }

    public static Result between(GaussianStats a, GaussianStats b) {
        int n = a.dim();
        if (b.dim() != n) {
            throw new IllegalArgumentException("feature dimensions differ: " + n + " and " + b.dim());
        }
        double meanTerm = 0;
        for (int i = 0; i < n; i++) {
            double d = a.mean()[i] - b.mean()[i];
            meanTerm += d * d;
        }
        double trace1 = trace(a.cov(), n);
        double trace2 = trace(b.cov(), n);
        double traceSqrt = traceSqrtProduct(a.cov(), b.cov(), n);
        return new Result(meanTerm + trace1 + trace2 - 2 * traceSqrt, meanTerm, trace1, trace2, traceSqrt);
    }

    /** tr √(Σ1Σ2) for symmetric positive semi-definite Σ1, Σ2 (row-major n×n). */
    static double traceSqrtProduct(double[] sigma1, double[] sigma2, int n) {
        DMatrixRMaj root = pivotedCholesky(sigma1, n);
        int r = root.numCols;
        DMatrixRMaj tmp = new DMatrixRMaj(n, r);
        CommonOps_MT_DDRM.mult(DMatrixRMaj.wrap(n, n, sigma2), root, tmp);
        DMatrixRMaj s = new DMatrixRMaj(r, r);
        CommonOps_MT_DDRM.multTransA(root, tmp, s);
        // symmetrise away the rounding of the two products before the symmetric solver sees it
        for (int i = 0; i < r; i++) {
            for (int j = i + 1; j < r; j++) {
                double m = 0.5 * (s.get(i, j) + s.get(j, i));
                s.set(i, j, m);
                s.set(j, i, m);
            }
        }
        EigenDecomposition_F64<DMatrixRMaj> eig = DecompositionFactory_DDRM.eig(r, false, true);
        if (!eig.decompose(s)) {
            throw new ArithmeticException("eigendecomposition of Rᵀ Σ2 R did not converge");
        }
        double trace = 0;
        for (int k = 0; k < r; k++) {
            trace += Math.sqrt(Math.max(eig.getEigenvalue(k).real, 0));
        }
        return trace;
    }

    /**
     * R (n × r) with Σ1 = R·Rᵀ: Cholesky with diagonal pivoting, stopped when what is left of the diagonal is
     * rounding noise (below 1e-12 of the largest variance). r is Σ1's rank: n for the covariance of many images, at
     * most count − 1 for fewer images than dimensions, where this costs O(n²r) instead of an eigendecomposition's
     * O(n³). Rows stay in their original order; only the order in which columns are produced is pivoted.
     */
    static DMatrixRMaj pivotedCholesky(double[] a, int n) {
        double[] d = new double[n];
        double max = 0;
        for (int i = 0; i < n; i++) {
            d[i] = a[i * n + i];
            max = Math.max(max, d[i]);
        }
        double tol = 1e-12 * max;
        boolean[] done = new boolean[n];
        double[][] cols = new double[n][];
        int r = 0;
        while (r < n) {
            int j = -1;
            for (int i = 0; i < n; i++) {
                if (!done[i] && (j < 0 || d[i] > d[j])) {
                    j = i;
                }
            }
            if (!(d[j] > tol)) {
                break;
            }
            double pivot = Math.sqrt(d[j]);
            double[] col = new double[n];
            for (int i = 0; i < n; i++) {
                if (done[i] || i == j) {
                    continue;
                }
                double v = a[i * n + j];
                for (int k = 0; k < r; k++) {
                    v -= cols[k][i] * cols[k][j];
                }
                col[i] = v / pivot;
                d[i] -= col[i] * col[i];
            }
            col[j] = pivot;
            done[j] = true;
            d[j] = 0;
            cols[r++] = col;
        }
        DMatrixRMaj root = new DMatrixRMaj(n, Math.max(r, 1));
        for (int k = 0; k < r; k++) {
            for (int i = 0; i < n; i++) {
                root.set(i, k, cols[k][i]);
            }
        }
        return root;
    }

    private static double trace(double[] m, int n) {
        double t = 0;
        for (int i = 0; i < n; i++) {
            t += m[i * n + i];
        }
        return t;
    }
}
