package io.vqgen.pipeline;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;

/**
 * 8-bit RGB from float images in [0, 1], exactly as diffusers' {@code numpy_to_pil} converts them:
 * {@code (images * 255).round().astype("uint8")} — a float32 product, rounded half to even.
 */
public final class Rgb8 {
    private Rgb8() {
    }

    /**
     * Converts values in [0, 1]; anything outside is clamped to [0, 255] after rounding, NaN becomes 0
     * (numpy's uint8 cast leaves those cases undefined).
     */
    public static byte[] fromUnit(float[] values) {
        byte[] out = new byte[values.length];
        for (int i = 0; i < values.length; i++) {
            double r = Math.rint(values[i] * 255f);
            out[i] = (byte) (Double.isNaN(r) ? 0 : (int) Math.max(0, Math.min(255, r)));
        }
        return out;
    }

    /** A batch of NHWC images [B, H, W, C] in [0, 1] → one row-major HWC byte array per image. */
    public static byte[][] fromImages(NDArray images) {
        Shape s = images.getShape();
        if (s.dimension() != 4) {
            throw new IllegalArgumentException("expected images [B, H, W, C], got " + s);
        }
        float[] all = images.toType(DataType.FLOAT32, false).toFloatArray();
        int b = (int) s.get(0);
        int per = b == 0 ? 0 : all.length / b;
        byte[][] out = new byte[b][];
        for (int i = 0; i < b; i++) {
            float[] one = new float[per];
            System.arraycopy(all, i * per, one, 0, per);
            out[i] = fromUnit(one);
        }
        return out;
    }
}
