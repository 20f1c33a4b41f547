package io.vqgen.eval;

import org.ejml.data.DMatrixRMaj;
import org.ejml.dense.row.CommonOps_MT_DDRM;
import org.ejml.dense.row.factory.DecompositionFactory_DDRM;
import org.ejml.interfaces.decomposition.CholeskyDecomposition_F64;
import org.ejml.interfaces.decomposition.EigenDecomposition_F64;

/**
 * The Fréchet distance between two Gaussians, as pytorch-fid's {@code calculate_frechet_distance} defines it:
 * ‖μ1 − μ2‖² + tr Σ1 + tr Σ2 − 2·tr √(Σ1Σ2), in float64.
 *
 * <p>Only the trace of the square root is needed, and it is the sum of the square roots of the eigenvalues of
 * Σ1Σ2, which are those of the symmetric positive semi-definite S = Σ1^½ Σ2 Σ1^½ (AB and BA share their eigenvalues).
 * So instead of scipy's general {@code sqrtm} (a complex Schur form), this factors Σ1 = R·Rᵀ (Cholesky; when Σ1 is
 * singular, R = V√D from its eigendecomposition) and sums the square roots of the eigenvalues of the symmetric
 * Rᵀ Σ2 R. Eigenvalues that rounding makes slightly negative count as 0, where scipy's square root turns them into
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
        DMatrixRMaj root = cholesky(sigma1, n);
        if (root == null) {
            root = eigenRoot(sigma1, n);
        }
        DMatrixRMaj tmp = new DMatrixRMaj(n, n);
        CommonOps_MT_DDRM.mult(DMatrixRMaj.wrap(n, n, sigma2), root, tmp);
        DMatrixRMaj s = new DMatrixRMaj(n, n);
        CommonOps_MT_DDRM.multTransA(root, tmp, s);
        // symmetrise away the rounding of the two products before the symmetric solver sees it
        for (int i = 0; i < n; i++) {
            for (int j = i + 1; j < n; j++) {
                double m = 0.5 * (s.get(i, j) + s.get(j, i));
                s.set(i, j, m);
                s.set(j, i, m);
            }
        }
        EigenDecomposition_F64<DMatrixRMaj> eig = DecompositionFactory_DDRM.eig(n, false, true);
        if (!eig.decompose(s)) {
            throw new ArithmeticException("eigendecomposition of Rᵀ Σ2 R did not converge");
        }
        double trace = 0;
        for (int k = 0; k < n; k++) {
            trace += Math.sqrt(Math.max(eig.getEigenvalue(k).real, 0));
        }
        return trace;
    }

    /**
     * R with Σ1 = R·Rᵀ from the Cholesky factorisation (lower triangular), or null when Σ1 is not positive definite
     * (fewer samples than dimensions, or constant features): then {@link #eigenRoot}. Rᵀ Σ2 R has the eigenvalues of
     * Σ1Σ2 as well, and a factorisation costs a fraction of an eigendecomposition with vectors.
     */
    private static DMatrixRMaj cholesky(double[] sigma1, int n) {
        CholeskyDecomposition_F64<DMatrixRMaj> chol = DecompositionFactory_DDRM.chol(n, true);
        if (!chol.decompose(DMatrixRMaj.wrap(n, n, sigma1.clone()))) {
            return null;
        }
        DMatrixRMaj lower = chol.getT(null);
        for (int i = 0; i < n; i++) {
            if (!(lower.get(i, i) > 0)) {
                return null;
            }
        }
        return lower;
    }

    /** V·√D from Σ1 = V D Vᵀ, eigenvalues that rounding made negative taken as 0. */
    private static DMatrixRMaj eigenRoot(double[] sigma1, int n) {
        EigenDecomposition_F64<DMatrixRMaj> eig = DecompositionFactory_DDRM.eig(n, true, true);
        if (!eig.decompose(DMatrixRMaj.wrap(n, n, sigma1.clone()))) {
            throw new ArithmeticException("eigendecomposition of the first covariance did not converge");
        }
        DMatrixRMaj root = new DMatrixRMaj(n, n);
        for (int k = 0; k < n; k++) {
            double sq = Math.sqrt(Math.max(eig.getEigenvalue(k).real, 0));
            DMatrixRMaj v = eig.getEigenVector(k);
            for (int i = 0; i < n; i++) {
                root.set(i, k, v.get(i) * sq);
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
