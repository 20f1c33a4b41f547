package io.vqgen.diffusion;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;

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
     * {@code torch.logaddexp(x, b)} for a float32 tensor and a scalar, evaluated in float64 and rounded once to
     * float32. torch evaluates {@code max + log1p(exp(-|x-b|))} in float32 (DJL has no log1p); the float64 route
     * lands within one float32 ulp of it and needs no special case for -inf.
     */
    static NDArray logAddExp(NDArray x, double b) {
        if (b == Double.NEGATIVE_INFINITY) {
            return x.duplicate();
        }
        NDArray wide = x.toType(DataType.FLOAT64, false);
        // log(exp(x) + exp(b)) = b + log(exp(x - b) + 1); x - b <= ~+150 here, no overflow in float64
        NDArray out = wide.sub(b).exp().add(1.0).log().add(b);
        return out.toType(DataType.FLOAT32, false);
    }

    /** Scalar version of {@link #logAddExp(NDArray, double)}, rounded to float32. */
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
