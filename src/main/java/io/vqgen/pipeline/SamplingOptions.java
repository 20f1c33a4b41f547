package io.vqgen.pipeline;

/**
 * How one image is sampled. Defaults are diffusers' (100 steps, guidance 5.0, truncation 1.0) and the
 * research code's (infer_speed 1 = the reference sampler, prior_rule 0, prior_weight 0).
 *
 * @param steps          number of denoising steps (1..num_train_timesteps)
 * @param guidanceScale  classifier-free guidance scale; 1.0 disables guidance
 * @param truncationRate cumulative probability kept by truncation, in (0, 1]
 * @param noise          where random numbers come from
 * @param inferSpeed     research-code infer_speed: 1 reference, ≥2 time stride, (0,1) high-quality unmasking
 * @param priorRule      research-code prior_rule: 0 none, 1 or 2 purity sampling
 * @param priorWeight    research-code prior_weight r ≥ 0
 */
public record SamplingOptions(int steps, double guidanceScale, double truncationRate, NoiseMode noise,
                              double inferSpeed, int priorRule, double priorWeight) {

    public static final int DEFAULT_STEPS = 100;
    public static final double DEFAULT_GUIDANCE = 5.0;
    public static final double DEFAULT_TRUNCATION = 1.0;

    public SamplingOptions {
        if (steps < 1) {
            throw new IllegalArgumentException("steps must be at least 1, got " + steps);
        }
        if (!(guidanceScale >= 0) || Double.isInfinite(guidanceScale)) {
            throw new IllegalArgumentException("guidance scale must be a finite number >= 0, got " + guidanceScale);
        }
        if (!(truncationRate > 0 && truncationRate <= 1)) {
            throw new IllegalArgumentException("truncation rate must be in (0, 1], got " + truncationRate);
        }
        if (noise == null) {
            throw new IllegalArgumentException("noise mode is required (reference or per-image)");
        }
        if (!(inferSpeed > 0 && inferSpeed <= 10)) {
            throw new IllegalArgumentException("infer speed must be in (0, 10], got " + inferSpeed);
        }
        if (priorRule < 0 || priorRule > 2) {
            throw new IllegalArgumentException("prior rule must be 0, 1 or 2, got " + priorRule);
        }
        if (!(priorWeight >= 0) || Double.isInfinite(priorWeight)) {
            throw new IllegalArgumentException("prior weight must be a finite number >= 0, got " + priorWeight);
        }
    }

    public static SamplingOptions defaults() {
        return new SamplingOptions(DEFAULT_STEPS, DEFAULT_GUIDANCE, DEFAULT_TRUNCATION, NoiseMode.PER_IMAGE, 1, 0, 0);
    }

    public SamplingOptions withSteps(int v) {
        return new SamplingOptions(v, guidanceScale, truncationRate, noise, inferSpeed, priorRule, priorWeight);
    }

    public SamplingOptions withGuidanceScale(double v) {
        return new SamplingOptions(steps, v, truncationRate, noise, inferSpeed, priorRule, priorWeight);
    }

    public SamplingOptions withTruncationRate(double v) {
        return new SamplingOptions(steps, guidanceScale, v, noise, inferSpeed, priorRule, priorWeight);
    }

    public SamplingOptions withNoise(NoiseMode v) {
        return new SamplingOptions(steps, guidanceScale, truncationRate, v, inferSpeed, priorRule, priorWeight);
    }

    public SamplingOptions withResearchSampler(double speed, int rule, double weight) {
        return new SamplingOptions(steps, guidanceScale, truncationRate, noise, speed, rule, weight);
    }

    /** Guidance runs the unconditional pass only when it changes the result, as diffusers does. */
    public boolean usesGuidance() {
        return guidanceScale > 1.0;
    }

    /** A short, stable description for manifests and logs. */
    public String samplerName() {
        if (priorRule != 0) {
            return "purity(rule=" + priorRule + ",weight=" + priorWeight + ",speed=" + inferSpeed + ")";
        }
        if (inferSpeed < 1) {
            return "high-quality(speed=" + inferSpeed + ")";
        }
        if (inferSpeed >= 2) {
            return "fast(speed=" + inferSpeed + ")";
        }
        return "reference";
    }
}
