package io.vqgen.pipeline;

import java.io.Serializable;

/**
 * How images are sampled: the values of the sampling settings of {@link GenerationSetting} (which defines their
 * ranges, defaults and names). One generation call takes one of these for all its images.
 *
 * @param steps          number of denoising steps (1..num_train_timesteps)
 * @param guidanceScale  classifier-free guidance scale; at most 1.0 disables guidance
 * @param truncationRate cumulative probability kept by truncation, in (0, 1]
 * @param noise          where random numbers come from
 * @param inferSpeed     research-code infer_speed: 1 reference, ≥2 time stride, (0,1) high-quality unmasking
 * @param priorRule      research-code prior_rule: 0 none, 1 uniform unmasking, 2 purity
 * @param priorWeight    research-code prior_weight r ≥ 0
 */
public record SamplingOptions(int steps, double guidanceScale, double truncationRate, NoiseMode noise,
                              double inferSpeed, int priorRule, double priorWeight) implements Serializable {

    public SamplingOptions {
        GenerationSetting.STEPS.checked(steps);
        GenerationSetting.GUIDANCE_SCALE.checked(guidanceScale);
        GenerationSetting.TRUNCATION_RATE.checked(truncationRate);
        GenerationSetting.NOISE.checked(noise);
        GenerationSetting.INFER_SPEED.checked(inferSpeed);
        GenerationSetting.PRIOR_RULE.checked(priorRule);
        GenerationSetting.PRIOR_WEIGHT.checked(priorWeight);
    }

    /** Every setting at its default. */
    public static SamplingOptions defaults() {
        SamplingOptions o = new SamplingOptions(1, 0, 1, NoiseMode.PER_IMAGE, 1, 0, 0);
        for (GenerationSetting s : GenerationSetting.sampling()) {
            o = o.with(s, s.parse(s.defaultText()));
        }
        return o;
    }

    /** The value of one sampling setting (Integer, Double or {@link NoiseMode}). */
    public Object get(GenerationSetting setting) {
        return switch (setting) {
            case STEPS -> steps;
            case GUIDANCE_SCALE -> guidanceScale;
            case TRUNCATION_RATE -> truncationRate;
            case NOISE -> noise;
            case INFER_SPEED -> inferSpeed;
            case PRIOR_RULE -> priorRule;
            case PRIOR_WEIGHT -> priorWeight;
            default -> throw new IllegalArgumentException(setting + " is not a sampling setting");
        };
    }

    /**
     * The same options with one setting changed.
     *
     * @throws PipelineException if the value is out of the setting's range
     */
    public SamplingOptions with(GenerationSetting setting, Object value) {
        Object v = setting.checked(value);
        return switch (setting) {
            case STEPS -> new SamplingOptions((Integer) v, guidanceScale, truncationRate, noise, inferSpeed,
                    priorRule, priorWeight);
            case GUIDANCE_SCALE -> new SamplingOptions(steps, (Double) v, truncationRate, noise, inferSpeed,
                    priorRule, priorWeight);
            case TRUNCATION_RATE -> new SamplingOptions(steps, guidanceScale, (Double) v, noise, inferSpeed,
                    priorRule, priorWeight);
            case NOISE -> new SamplingOptions(steps, guidanceScale, truncationRate, (NoiseMode) v, inferSpeed,
                    priorRule, priorWeight);
            case INFER_SPEED -> new SamplingOptions(steps, guidanceScale, truncationRate, noise, (Double) v,
                    priorRule, priorWeight);
            case PRIOR_RULE -> new SamplingOptions(steps, guidanceScale, truncationRate, noise, inferSpeed,
                    (Integer) v, priorWeight);
            case PRIOR_WEIGHT -> new SamplingOptions(steps, guidanceScale, truncationRate, noise, inferSpeed,
                    priorRule, (Double) v);
            default -> throw new IllegalArgumentException(setting + " is not a sampling setting");
        };
    }

    public SamplingOptions withSteps(int v) {
        return with(GenerationSetting.STEPS, v);
    }

    public SamplingOptions withGuidanceScale(double v) {
        return with(GenerationSetting.GUIDANCE_SCALE, v);
    }

    public SamplingOptions withTruncationRate(double v) {
        return with(GenerationSetting.TRUNCATION_RATE, v);
    }

    public SamplingOptions withNoise(NoiseMode v) {
        return with(GenerationSetting.NOISE, v);
    }

    public SamplingOptions withResearchSampler(double speed, int rule, double weight) {
        return new SamplingOptions(steps, guidanceScale, truncationRate, noise, speed, rule, weight);
    }

    /** Guidance runs the unconditional pass only when it changes the result, as diffusers does. */
    public boolean usesGuidance() {
        return guidanceScale > 1.0;
    }
}
