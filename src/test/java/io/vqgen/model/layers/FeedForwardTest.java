package io.vqgen.model.layers;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

class FeedForwardTest {

    @Test
    void gatedMultipliesTheFirstHalfByTheActivationOfTheSecond() {
        try (NDManager m = NDManager.newBaseManager()) {
            // projection in: [x, 2x] (inner width 1, doubled for the gate); projection out: identity
            Linear in = new Linear(m.create(new float[] {1f, 2f}, new Shape(2, 1)), null);
            Linear out = new Linear(m.create(new float[] {1f}, new Shape(1, 1)), m.create(new float[] {0f}));
            FeedForward geglu = new FeedForward(in, Activation.GELU, true, out);
            float[] y = geglu.forward(m.create(new float[] {1f, -0.5f}, new Shape(2, 1))).toFloatArray();
            // x·gelu(2x): 1·gelu(2) and −0.5·gelu(−1)
            assertArrayEquals(new float[] {1.9544997f, 0.5f * 0.15865525f}, y, 3e-7f);
        }
    }

    @Test
    void plainAppliesTheActivationToTheWholeProjection() {
        try (NDManager m = NDManager.newBaseManager()) {
            Linear in = new Linear(m.create(new float[] {2f}, new Shape(1, 1)), m.create(new float[] {0f}));
            Linear out = new Linear(m.create(new float[] {3f}, new Shape(1, 1)), m.create(new float[] {1f}));
            FeedForward ff = new FeedForward(in, Activation.QUICK_GELU, false, out);
            float[] y = ff.forward(m.create(new float[] {0.5f}, new Shape(1, 1))).toFloatArray();
            assertArrayEquals(new float[] {3f * 0.8457957659f + 1f}, y, 5e-7f); // 3·quick_gelu(1) + 1
        }
    }
}
