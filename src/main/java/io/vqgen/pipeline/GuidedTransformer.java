package io.vqgen.pipeline;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import io.vqgen.diffusion.DenoisingModel;
import io.vqgen.diffusion.Guidance;
import io.vqgen.model.Transformer2D;

/**
 * The transformer as the samplers see it. With guidance (scale &gt; 1) either diffusers' arithmetic, both
 * predictions as log-probabilities mixed by {@link Guidance#combine} (what reference noise mode needs to reproduce
 * its token grids), or the same mix taken before the output projection ({@link Transformer2D#guidedLogPx0}: one
 * projection and one float64 log-softmax instead of two, equal up to float32 rounding); without guidance one pass
 * over the conditional rows.
 */
final class GuidedTransformer implements DenoisingModel {
    private final Transformer2D transformer;
    private final NDArray conditional;
    private final NDArray unconditional;
    private final double guidanceScale;
    private final boolean diffusersArithmetic;

    /**
     * @param conditional         [B, 77, hidden]
     * @param unconditional       [B, 77, hidden], or null without guidance
     * @param diffusersArithmetic mix log-probabilities as diffusers does, rather than hidden states
     */
    GuidedTransformer(Transformer2D transformer, NDArray conditional, NDArray unconditional, double guidanceScale,
                      boolean diffusersArithmetic) {
        this.transformer = transformer;
        this.conditional = conditional;
        this.unconditional = unconditional;
        this.guidanceScale = guidanceScale;
        this.diffusersArithmetic = diffusersArithmetic;
    }

    @Override
    public NDArray logPx0(NDArray tokens, int t) {
        if (unconditional == null) {
            return transformer.logPx0(tokens, conditional, t);
        }
        if (!diffusersArithmetic) {
            return transformer.guidedLogPx0(tokens, unconditional, conditional, t, guidanceScale);
        }
        NDManager manager = tokens.getManager();
        long batch = tokens.getShape().get(0);
        NDArray both = transformer.pairedLogPx0(tokens, unconditional, conditional, t);
        both.attach(manager);
        return Guidance.combine(both.get("0:" + batch), both.get(batch + ":"), guidanceScale);
    }
}
