package io.vqgen.eval;

import org.junit.jupiter.api.Test;

import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** The Fréchet distance and the feature sums behind it. */
class FrechetDistanceTest {

    @Test
    void matchesPytorchFidOnAWellConditionedCase() {
        // 300 and 200 samples of 48 dimensions: both covariances well conditioned; float64 throughout on both
        // sides (scipy's sqrtm vs two symmetric eigendecompositions), so agreement far below 1e-4 is expected
        double expected = EvalGoldens.json().get("fid").get("synthetic").asDouble();
        double got = FrechetDistance.between(sums(EvalGoldens.rows("frechet_x1.npy")).stats(),
                sums(EvalGoldens.rows("frechet_x2.npy")).stats()).distance();
        assertEquals(expected, got, 1e-9 * expected);
    }

    @Test
    void identitiesTheMathematicsGuarantees() {
        GaussianStats s = randomStats(40, 7);
        // d(a, a) = 0 (up to the float64 rounding of traces of magnitude ~40)
        assertEquals(0, FrechetDistance.between(s, s).distance(), 1e-9);
        // Σ2 = c²Σ1, μ2 = μ1 + δ: d = |δ|² + (1 − c)² tr Σ1
        double c = 1.7;
        double[] cov2 = s.cov().clone();
        double[] mean2 = s.mean().clone();
        double delta2 = 0;
        for (int i = 0; i < cov2.length; i++) {
            cov2[i] *= c * c;
        }
        for (int i = 0; i < mean2.length; i++) {
            mean2[i] += 0.1 * i;
            delta2 += 0.01 * i * i;
        }
        FrechetDistance.Result r = FrechetDistance.between(s, new GaussianStats(0, mean2, cov2));
        assertEquals(delta2 + (1 - c) * (1 - c) * r.trace1(), r.distance(), 1e-9 * r.distance());
    }

    @Test
    void singularCovariancesStayFinite() {
        // 5 samples of 64 dimensions: rank-4 covariances, as FID on fewer images than features
        FeatureSums a = new FeatureSums(64);
        FeatureSums b = new FeatureSums(64);
        SplittableRandom r = new SplittableRandom(3);
        for (int n = 0; n < 5; n++) {
            a.add(vector(r, 64));
            b.add(vector(r, 64));
        }
        double d = FrechetDistance.between(a.stats(), b.stats()).distance();
        assertEquals(true, Double.isFinite(d) && d > 0, "distance " + d);
    }

    @Test
    void sumsOfPartsAddUpToTheSumsOfTheWhole() {
        float[][] x = EvalGoldens.rows("frechet_x1.npy");
        FeatureSums whole = sums(x);
        FeatureSums left = new FeatureSums(x[0].length);
        FeatureSums right = new FeatureSums(x[0].length);
        for (int i = 0; i < x.length; i++) {
            (i % 3 == 0 ? left : right).add(x[i]);
        }
        GaussianStats merged = left.merge(right).stats();
        GaussianStats direct = whole.stats();
        assertEquals(direct.count(), merged.count());
        for (int i = 0; i < direct.cov().length; i++) {
            // float64 sums in a different order: equal to rounding of sums of ~300 terms
            assertEquals(direct.cov()[i], merged.cov()[i], 1e-12);
        }
    }

    @Test
    void badInputIsRefused() {
        FeatureSums s = new FeatureSums(3);
        assertThrows(IllegalArgumentException.class, () -> s.add(new float[2]));
        assertThrows(IllegalArgumentException.class, () -> s.add(new float[] {1, Float.NaN, 0}));
        s.add(new float[3]);
        assertThrows(IllegalStateException.class, s::stats);
        assertThrows(IllegalArgumentException.class, () -> s.merge(new FeatureSums(4)));
        assertThrows(IllegalArgumentException.class,
                () -> FrechetDistance.between(randomStats(3, 1), randomStats(4, 1)));
    }

    static FeatureSums sums(float[][] x) {
        FeatureSums s = new FeatureSums(x[0].length);
        for (float[] v : x) {
            s.add(v);
        }
        return s;
    }

    private static GaussianStats randomStats(int dim, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        FeatureSums s = new FeatureSums(dim);
        for (int n = 0; n < 3 * dim; n++) {
            s.add(vector(r, dim));
        }
        return s.stats();
    }

    private static float[] vector(SplittableRandom r, int dim) {
        float[] v = new float[dim];
        for (int i = 0; i < dim; i++) {
            v[i] = (float) (r.nextDouble() * (1 + i % 5));
        }
        return v;
    }
}
