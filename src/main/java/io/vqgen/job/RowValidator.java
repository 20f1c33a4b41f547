package io.vqgen.job;

import io.vqgen.pipeline.SamplingOptions;

import java.util.Arrays;
import java.util.function.UnaryOperator;
import java.util.stream.IntStream;

/**
 * Turns a planned row into work or into the reason it cannot be generated. Every check names the column and
 * the value; nothing here throws for a bad row.
 */
final class RowValidator {
    /** A row's verdict: work (possibly nothing left to do) or an error message. */
    record Verdict(WorkItem work, String error) {
        static Verdict rejected(String error) {
            return new Verdict(null, error);
        }
    }

    private final JobConfig config;
    private final int maxSteps;

    /** @param maxSteps the model's num_train_timesteps: the most steps a sampler can take */
    RowValidator(JobConfig config, int maxSteps) {
        this.config = config;
        this.maxSteps = maxSteps;
    }

    Verdict check(PlannedRow row) {
        String idCol = config.idColumn();
        if (row.id() == null) {
            return Verdict.rejected(idCol + " is null");
        }
        if (row.id().isEmpty()) {
            return Verdict.rejected(idCol + " is empty");
        }
        if (row.duplicate()) {
            return Verdict.rejected("duplicate " + idCol + " '" + row.id() + "': only its first row in input order ("
                    + row.firstFile() + " row " + row.firstRow() + ") is generated");
        }
        if (row.prompt() == null) {
            return Verdict.rejected(config.promptColumn() + " is null");
        }
        if (row.prompt().isBlank()) {
            return Verdict.rejected(config.promptColumn() + " is empty");
        }
        long n = row.numImages() != null ? row.numImages() : config.numImages();
        if (n < 1 || n > JobConfig.MAX_IMAGES_PER_ROW) {
            return Verdict.rejected("num_images " + n + " is out of range (1.." + JobConfig.MAX_IMAGES_PER_ROW + ")");
        }
        long maxSeed = Long.MAX_VALUE - (n - 1);
        if (row.seed() != null && (row.seed() < 0 || row.seed() > maxSeed)) {
            return Verdict.rejected("seed " + row.seed() + " is out of range (0.." + maxSeed + " for " + n + " images)");
        }
        if (row.steps() != null && (row.steps() < 1 || row.steps() > maxSteps)) {
            return Verdict.rejected("steps " + row.steps() + " is out of range (1.." + maxSteps
                    + ", the model's num_train_timesteps)");
        }
        if (row.priorRule() != null && (row.priorRule() < Integer.MIN_VALUE || row.priorRule() > Integer.MAX_VALUE)) {
            return Verdict.rejected("prior_rule " + row.priorRule() + " is out of range (0, 1 or 2)");
        }
        SamplingOptions sampling = config.sampling();
        try {
            sampling = apply(sampling, "steps", row.steps(), s -> s.withSteps(row.steps().intValue()));
            sampling = apply(sampling, "guidance_scale", row.guidanceScale(), s -> s.withGuidanceScale(row.guidanceScale()));
            sampling = apply(sampling, "truncation_rate", row.truncationRate(), s -> s.withTruncationRate(row.truncationRate()));
            sampling = apply(sampling, "infer_speed", row.inferSpeed(),
                    s -> s.withResearchSampler(row.inferSpeed(), s.priorRule(), s.priorWeight()));
            sampling = apply(sampling, "prior_rule", row.priorRule(),
                    s -> s.withResearchSampler(s.inferSpeed(), row.priorRule().intValue(), s.priorWeight()));
            sampling = apply(sampling, "prior_weight", row.priorWeight(),
                    s -> s.withResearchSampler(s.inferSpeed(), s.priorRule(), row.priorWeight()));
        } catch (RejectedOverride e) {
            return Verdict.rejected(e.getMessage());
        }
        int[] todo = IntStream.range(0, (int) n).filter(i -> Arrays.stream(row.done()).noneMatch(d -> d == i)).toArray();
        return new Verdict(new WorkItem(row.id(), row.prompt(), sampling,
                Seeds.base(row.seed(), config.runSeed(), row.id()), todo), null);
    }

    private static SamplingOptions apply(SamplingOptions s, String column, Object value, UnaryOperator<SamplingOptions> change) {
        if (value == null) {
            return s;
        }
        try {
            return change.apply(s);
        } catch (IllegalArgumentException e) {
            throw new RejectedOverride(column + " " + value + " is out of range: " + e.getMessage());
        }
    }

    private static final class RejectedOverride extends RuntimeException {
        RejectedOverride(String message) {
            super(message, null, false, false);
        }
    }
}
