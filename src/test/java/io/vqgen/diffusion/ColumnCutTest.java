package io.vqgen.diffusion;

import org.junit.jupiter.api.Test;

import java.nio.FloatBuffer;
import java.util.Arrays;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;

class ColumnCutTest {

    /** diffusers' truncate for one column, transcribed: sort descending, running double sum, float32 compare. */
    private static float referenceThreshold(float[] lp, float[] p, float rate) {
        Integer[] order = new Integer[lp.length];
        for (int i = 0; i < order.length; i++) {
            order[i] = i;
        }
        Arrays.sort(order, (a, b) -> Float.compare(lp[b], lp[a]));
        double sum = 0;
        for (int i : order) {
            sum += p[i];
            if ((float) sum >= rate) {
                return lp[i];
            }
        }
        return Float.NEGATIVE_INFINITY;
    }

    private static float cut(float[] lp, float[] p, float rate) {
        // the column at an offset inside larger buffers, as Truncation passes it
        float[] lpBuffer = new float[lp.length + 5];
        float[] pBuffer = new float[p.length + 5];
        System.arraycopy(lp, 0, lpBuffer, 3, lp.length);
        System.arraycopy(p, 0, pBuffer, 3, p.length);
        return new ColumnCut(lp.length).threshold(FloatBuffer.wrap(lpBuffer), FloatBuffer.wrap(pBuffer), 3, rate);
    }

    /** Random columns of many sizes and shapes, with repeated values, at rates near and away from 1. */
    @Test
    void agreesWithTheReferenceProcedure() {
        Random r = new Random(12345);
        float[] rates = {1.0f, 0.99f, 0.86f, 0.5f, 0.1f, 0.0f};
        for (int trial = 0; trial < 3000; trial++) {
            int k = 1 + r.nextInt(trial % 10 == 0 ? 5000 : 300);
            double spread = new double[] {0.1, 1, 4, 15}[trial % 4];
            double[] logits = new double[k];
            double max = Double.NEGATIVE_INFINITY;
            for (int i = 0; i < k; i++) {
                logits[i] = i > 0 && r.nextInt(8) == 0 ? logits[r.nextInt(i)] : spread * r.nextGaussian();
                max = Math.max(max, logits[i]);
            }
            double z = 0;
            for (double l : logits) {
                z += Math.exp(l - max);
            }
            float[] lp = new float[k];
            float[] p = new float[k];
            for (int i = 0; i < k; i++) {
                lp[i] = (float) (logits[i] - max - Math.log(z));
                p[i] = (float) Math.exp(lp[i]);
            }
            float rate = rates[trial % rates.length];
            assertEquals(referenceThreshold(lp, p, rate), cut(lp.clone(), p.clone(), rate),
                    "trial " + trial + ", " + k + " classes, rate " + rate);
        }
    }

    /**
     * A prefix exactly on a float32 rounding midpoint: 0.25 + (0.25 - 2^-26) = 0.5 - 2^-26, halfway between
     * 0.5 - 2^-25 and 0.5, rounds (to even) to 0.5. No bound-based decision is possible there; the exact
     * procedure must be used and agree with the reference.
     */
    @Test
    void decidesExactlyOnARoundingMidpoint() {
        float[] p = {0.25f, 0.25f - 0x1p-26f, 0.2f, 0.1f, 0.05f};
        float[] lp = new float[p.length];
        for (int i = 0; i < p.length; i++) {
            lp[i] = (float) Math.log(p[i]);
        }
        assertEquals(lp[1], referenceThreshold(lp, p, 0.5f));
        assertEquals(lp[1], cut(lp, p, 0.5f));
        float[] lp2 = lp.clone();
        float[] p2 = {0.25f, 0.25f - 0x1p-25f, 0.2f, 0.1f, 0.05f};
        assertEquals(referenceThreshold(lp2, p2, 0.5f), cut(lp2, p2, 0.5f));
    }
}
