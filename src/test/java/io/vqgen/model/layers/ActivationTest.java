package io.vqgen.model.layers;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

/** Activations against their closed forms (x·Φ(x) with erf, the tanh formula, x·σ(1.702x), x·σ(x),
 * x·tanh(softplus(x))) at a few points. */
class ActivationTest {
    private static final float[] X = {-2f, -1f, -0.5f, 0f, 0.5f, 1f, 2f};

    @Test
    void gelu() {
        check(Activation.GELU, -0.04550026389635842, -0.15865525393145707, -0.15426876936299344, 0.0,
                0.34573123063700656, 0.8413447460685429, 1.9544997361036416);
    }

    @Test
    void geluTanh() {
        check(Activation.GELU_TANH, -0.04540230591222494, -0.15880800939172324, -0.15428599017485606, 0.0,
                0.34571400982514394, 0.8411919906082768, 1.954597694087775);
    }

    @Test
    void quickGelu() {
        check(Activation.QUICK_GELU, -0.06434137685579186, -0.1542042340671787, -0.1496115633936199, 0.0,
                0.35038843660638014, 0.8457957659328212, 1.9356586231442083);
    }

    @Test
    void silu() {
        check(Activation.SILU, -0.2384058440442351, -0.2689414213699951, -0.1887703343990727, 0.0,
                0.3112296656009273, 0.7310585786300049, 1.7615941559557646);
    }

    /** Natural-log softplus (DJL's own mish takes log₂ and would give −0.362 at −2); eˣ overflowing still gives x. */
    @Test
    void mish() {
        check(Activation.MISH, -0.2525014826957089, -0.30340146137410895, -0.22074377465173, 0.0, 0.3752452113048951,
                0.8650983882673103, 1.9439589595339946);
        try (NDManager m = NDManager.newBaseManager()) {
            assertArrayEquals(new float[] {100f, 20f}, Activation.MISH.apply(m.create(new float[] {100f, 20f})).toFloatArray(), 0f);
        }
    }

    @Test
    void relu() {
        check(Activation.RELU, 0, 0, 0, 0, 0.5, 1, 2);
    }

    private static void check(Activation activation, double... expected) {
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray x = m.create(X);
            NDArray y = activation.apply(x);
            assertArrayEquals(X, x.toFloatArray(), 0f, "the input is left as it was");
            float[] want = new float[expected.length];
            for (int i = 0; i < want.length; i++) {
                want[i] = (float) expected[i];
            }
            assertArrayEquals(want, y.toFloatArray(), 3e-7f); // float32 evaluation: a couple of ulps at |y| ≤ 2
        }
    }
}
