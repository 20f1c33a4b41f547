package io.vqgen.convert;

import io.vqgen.weights.Npy;

import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The goldens of tools/reference/research_goldens.py (src/test/reference/research/tiny): tiny models of the research
 * release built and run by its own modules, and what they computed.
 */
final class ResearchGoldens {
    static final Path DIR = Path.of("src/test/reference/research/tiny");

    /**
     * How far our float32 result may be from the float64 run of the upstream module: a multiple of the distance of
     * the upstream float32 run from it (what float32 rounding moves on these inputs), plus an absolute floor for
     * values float32 happens to hit almost exactly in torch's order of operations. The factor allows a different
     * summation order (oneDNN/MKL kernels, fused attention, vector width); it never admits a wrong mapping, which
     * moves results by orders of magnitude more (measured: loading the tiny text model without its ema moves its
     * log-probabilities by up to 11.9).
     */
    static final double ROUNDING_FACTOR = 8;
    static final double FLOOR = 2e-6;

    private ResearchGoldens() {
    }

    static Path file(String name) {
        return DIR.resolve(name);
    }

    static float[] floats(String name) {
        return Npy.read(file(name)).toFloats();
    }

    static double[] doubles(String name) {
        Npy.Array a = Npy.read(file(name));
        double[] out = new double[Math.toIntExact(a.size())];
        java.nio.ByteBuffer b = a.data().duplicate().order(java.nio.ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i < out.length; i++) {
            out[i] = b.getDouble(i * 8);
        }
        return out;
    }

    static long[] longs(String name) {
        return Npy.read(file(name)).toLongs();
    }

    static long[] shape(String name) {
        return Npy.read(file(name)).shape();
    }

    /** Compares ours with the float64 golden at the tolerance the upstream float32 run sets; returns the error. */
    static double assertWithinRounding(String what, float[] ours, String f32Golden, String f64Golden) {
        float[] f32 = floats(f32Golden);
        double[] f64 = doubles(f64Golden);
        assertTrue(ours.length == f64.length && f32.length == f64.length, what + ": sizes " + ours.length + ", "
                + f32.length + ", " + f64.length);
        double upstream = 0;
        double error = 0;
        for (int i = 0; i < f64.length; i++) {
            upstream = Math.max(upstream, Math.abs(f32[i] - f64[i]));
            error = Math.max(error, Math.abs(ours[i] - f64[i]));
        }
        double tolerance = ROUNDING_FACTOR * upstream + FLOOR;
        assertTrue(error <= tolerance, what + ": max |ours - float64| = " + error + " > " + tolerance
                + " (upstream float32 is " + upstream + " from float64)");
        return error;
    }

    static void assertTokens(String what, long[] expected, long[] actual) {
        assertArrayEquals(expected, actual, what + ": token grids");
    }
}
