package io.vqgen.diffusion;

import ai.djl.ndarray.NDArray;
import ai.djl.nn.Activation;
import io.vqgen.model.layers.Scalars;

/** Log-space helpers with torch's semantics, for what DJL does not offer directly. */
final class LogMath {
    private LogMath() {
    }

    /**
     * {@code torch.logsumexp(x, axis, keepdim=True)}: the max over the axis with infinite maxima replaced by 0
     * (torch does this in place before subtracting, so an all -inf slice gives -inf, not NaN), then
     * {@code log(sum(exp(x - max))) + max}.
     */
    static NDArray logSumExp(NDArray x, int axis) {
        NDArray max = x.max(new int[] {axis}, true);
        NDArray finiteMax = Where.where(max.isInfinite(), max.zerosLike(), max);
        return x.sub(finiteMax).exp().sum(new int[] {axis}, true).log().add(finiteMax);
    }

    /**
     * {@code torch.logaddexp(x, b)} for a tensor and a scalar, by torch's own formula
     * {@code max(x, b) + log1p(exp(-|x - b|))}: DJL has no log1p, but torch's softplus at beta 1 is exactly
     * {@code log1p(exp(z))} (its threshold 20 is never reached for z <= 0).
     */
    static NDArray logAddExp(NDArray x, float b) {
        if (b == Float.NEGATIVE_INFINITY) {
            return x.duplicate();
        }
        NDArray constant = Scalars.of(x, b);
        NDArray negDistance = x.sub(constant).abs().neg();
        return x.maximum(constant).add(Activation.softPlus(negDistance));
    }

    /** Scalar version of {@link #logAddExp(NDArray, float)}, evaluated in float64 and rounded to float32. */
    static float logAddExp(float a, float b) {
        if (a == Float.NEGATIVE_INFINITY) {
            return b;
        }
        if (b == Float.NEGATIVE_INFINITY) {
            return a;
        }
        double m = Math.max(a, b);
        return (float) (m + Math.log1p(Math.exp(-Math.abs((double) a - b))));
    }
}
