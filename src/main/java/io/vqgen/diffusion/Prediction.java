package io.vqgen.diffusion;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import io.vqgen.model.layers.Scalars;

/** One model prediction as every sampler uses it: log p(x0 | x_t), truncated, floored at -70. */
final class Prediction {
    private Prediction() {
    }

    /** @return float32 [B, K-1, N] */
    static NDArray logPx0(DenoisingModel model, NDArray tokens, int t, SamplingPlan plan, int numClasses) {
        NDArray logp = model.logPx0(tokens, t);
        Shape shape = logp.getShape();
        Shape grid = tokens.getShape();
        if (shape.dimension() != 3 || shape.get(0) != grid.get(0) || shape.get(1) != numClasses - 1
                || shape.get(2) != grid.get(1) || logp.getDataType() != DataType.FLOAT32) {
            throw new IllegalStateException("the denoising model must return float32 [" + grid.get(0) + ", "
                    + (numClasses - 1) + ", " + grid.get(1) + "] log-probabilities, got " + logp.getDataType()
                    + " " + shape);
        }
        NDArray kept = Truncation.truncate(logp, plan.truncationRate(), plan.path());
        return kept.maximum(Scalars.of(kept, Sampler.LOG_PROB_FLOOR));
    }
}
