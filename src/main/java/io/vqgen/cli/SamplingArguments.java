package io.vqgen.cli;

import io.vqgen.pipeline.NoiseMode;
import io.vqgen.pipeline.SamplingOptions;
import picocli.CommandLine.Option;

/** The sampling options shared by generate and bench, with diffusers' and the research code's defaults. */
final class SamplingArguments {
    @Option(names = "--steps", paramLabel = "N", defaultValue = "100",
            description = "Denoising steps (default: ${DEFAULT-VALUE}). With the reference sampler, fewer steps than "
                    + "the model was trained with run the LAST N timesteps, as diffusers does.")
    int steps;

    @Option(names = "--guidance-scale", paramLabel = "F", defaultValue = "5.0",
            description = "Classifier-free guidance scale; 1 disables guidance (default: ${DEFAULT-VALUE}).")
    double guidanceScale;

    @Option(names = "--truncation-rate", paramLabel = "F", defaultValue = "1.0",
            description = "Keep the most probable classes up to this cumulative probability, in (0, 1] "
                    + "(default: ${DEFAULT-VALUE}).")
    double truncationRate;

    @Option(names = "--noise", paramLabel = "MODE", defaultValue = "per-image",
            description = "per-image: each image's noise depends only on its own seed; reference: diffusers' stream "
                    + "(one seed for the call), reproduces its token grids (default: ${DEFAULT-VALUE}).")
    String noise;

    @Option(names = "--infer-speed", paramLabel = "S", defaultValue = "1",
            description = "Research-code infer_speed: 1 = reference sampler, >= 2 = time-strided fast sampling, "
                    + "< 1 = high-quality unmasking sampler; in (0, 10] (default: ${DEFAULT-VALUE}).")
    double inferSpeed;

    @Option(names = "--prior-rule", paramLabel = "R", defaultValue = "0",
            description = "Research-code prior_rule: 0 none, 1 or 2 purity sampling (default: ${DEFAULT-VALUE}).")
    int priorRule;

    @Option(names = "--prior-weight", paramLabel = "W", defaultValue = "0",
            description = "Research-code prior_weight, >= 0 (default: ${DEFAULT-VALUE}).")
    double priorWeight;

    SamplingOptions toOptions() {
        return new SamplingOptions(steps, guidanceScale, truncationRate, NoiseMode.parse(noise), inferSpeed, priorRule,
                priorWeight);
    }
}
