package io.vqgen.pipeline;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import io.vqgen.diffusion.DenoisingModel;
import io.vqgen.diffusion.Guidance;
import io.vqgen.model.ClassTransformer;

/**
 * A class-conditional transformer as the samplers see it: with guidance (scale &gt; 1) the research code's mix of the
 * prediction for each image's class and for the unconditional label (C_DALLE's {@code cf_predict_start}, the same
 * arithmetic as the text models' guidance); without, one pass over the classes.
 */
final class ClassGuidedTransformer implements DenoisingModel {
    private final ClassTransformer transformer;
    /** int64 [B]: each image's class, uploaded once per sampling call. */
    private final NDArray conditional;
    /** int64 [B]: the unconditional label for every image; null without guidance. */
    private final NDArray unconditional;
    private final double guidanceScale;

    /** @param call the sampling call's manager, on the model's device: the labels live there for the call */
    ClassGuidedTransformer(ClassTransformer transformer, NDManager call, long[] labels, double guidanceScale,
                           boolean guided) {
        this.transformer = transformer;
        this.conditional = call.create(labels);
        long[] none = new long[labels.length];
        java.util.Arrays.fill(none, transformer.config().unconditionalLabel());
        this.unconditional = guided ? call.create(none) : null;
        this.guidanceScale = guidanceScale;
    }

    @Override
    public NDArray logPx0(NDArray tokens, int t) {
        if (unconditional == null) {
            return transformer.logPx0(tokens, conditional, t);
        }
        NDManager manager = tokens.getManager();
        long batch = conditional.size();
        NDArray both = transformer.pairedLogPx0(tokens, unconditional, conditional, t);
        both.attach(manager);
        return Guidance.combine(both.get("0:" + batch), both.get(batch + ":"), guidanceScale);
    }
}
