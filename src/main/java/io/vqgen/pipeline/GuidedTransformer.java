package io.vqgen.pipeline;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import io.vqgen.diffusion.DenoisingModel;
import io.vqgen.diffusion.Guidance;
import io.vqgen.model.Transformer2D;

/**
 * The transformer as the samplers see it. With guidance (scale &gt; 1) it runs one batched pass over
 * [unconditional; conditional] rows, as diffusers does, and mixes them with {@link Guidance#combine};
 * otherwise one pass over the conditional rows.
 */
final class GuidedTransformer implements DenoisingModel {
    private final Transformer2D transformer;
    private final NDArray encoderStates;
    private final double guidanceScale;
    private final boolean guided;

    /**
     * @param conditional   [B, 77, hidden]
     * @param unconditional [B, 77, hidden], or null without guidance
     */
    GuidedTransformer(Transformer2D transformer, NDArray conditional, NDArray unconditional, double guidanceScale) {
        this.transformer = transformer;
        this.guided = unconditional != null;
        this.encoderStates = guided ? NDArrays.concat(new NDList(unconditional, conditional), 0) : conditional;
        this.guidanceScale = guidanceScale;
    }

    @Override
    public NDArray logPx0(NDArray tokens, int t) {
        if (!guided) {
            return transformer.logPx0(tokens, encoderStates, t);
        }
        NDManager manager = tokens.getManager();
        long batch = tokens.getShape().get(0);
        NDArray both = transformer.logPx0(NDArrays.concat(new NDList(tokens, tokens), 0), encoderStates, t);
        both.attach(manager);
        return Guidance.combine(both.get("0:" + batch), both.get(batch + ":"), guidanceScale);
    }
}
