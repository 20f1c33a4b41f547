package io.vqgen.diffusion;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;
import io.vqgen.model.layers.Scalars;

/** Classifier-free guidance as diffusers' VQ-Diffusion pipeline mixes the two predictions. */
public final class Guidance {
    private Guidance() {
    }

    /**
     * {@code u + scale * (c - u)}, renormalised by subtracting its logsumexp over the class axis, all in float32
     * (the scale rounded to float32, as torch applies a Python scalar to a float32 tensor).
     *
     * @param uncond float32 [B, C, N] log p(x0) without the prompt
     * @param cond   float32 [B, C, N] log p(x0) with the prompt
     * @return float32 [B, C, N] on {@code cond}'s manager
     */
    public static NDArray combine(NDArray uncond, NDArray cond, double scale) {
        if (!Double.isFinite(scale)) {
            throw new IllegalArgumentException("guidance scale must be finite, got " + scale);
        }
        if (!uncond.getShape().equals(cond.getShape()) || cond.getShape().dimension() != 3) {
            throw new IllegalArgumentException("guidance needs two [batch, classes, tokens] predictions of one "
                    + "shape, got " + uncond.getShape() + " and " + cond.getShape());
        }
        if (uncond.getDataType() != DataType.FLOAT32 || cond.getDataType() != DataType.FLOAT32) {
            throw new IllegalArgumentException("guidance needs float32 predictions, got " + uncond.getDataType()
                    + " and " + cond.getDataType());
        }
        NDArray mixed = cond.sub(uncond).mul(Scalars.of(cond, (float) scale)).add(uncond);
        return mixed.sub(LogMath.logSumExp(mixed, 1));
    }
}
