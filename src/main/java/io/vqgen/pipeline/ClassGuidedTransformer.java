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
    private final long[] labels;
    private final double guidanceScale;
    private final boolean guided;

    ClassGuidedTransformer(ClassTransformer transformer, long[] labels, double guidanceScale, boolean guided) {
        this.transformer = transformer;
        this.labels = labels.clone();
        this.guidanceScale = guidanceScale;
        this.guided = guided;
    }

    @Override
    public NDArray logPx0(NDArray tokens, int t) {
        NDManager manager = tokens.getManager();
        NDArray conditional = manager.create(labels).toDevice(tokens.getDevice(), false);
        if (!guided) {
            return transformer.logPx0(tokens, conditional, t);
        }
        long[] none = new long[labels.length];
        java.util.Arrays.fill(none, transformer.config().unconditionalLabel());
        NDArray unconditional = manager.create(none).toDevice(tokens.getDevice(), false);
        long batch = labels.length;
        NDArray both = transformer.pairedLogPx0(tokens, unconditional, conditional, t);
        both.attach(manager);
        return Guidance.combine(both.get("0:" + batch), both.get(batch + ":"), guidanceScale);
    }
}
