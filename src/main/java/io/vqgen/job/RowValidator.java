package io.vqgen.job;

import io.vqgen.pipeline.GenerationSetting;
import io.vqgen.pipeline.PipelineException;
import io.vqgen.pipeline.SamplingOptions;

import java.util.Arrays;
import java.util.Locale;
import java.util.Map;
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
    private final ModelLimits limits;

    /** @param limits the model's: the most steps, and the labels of a class-conditional model */
    RowValidator(JobConfig config, ModelLimits limits) {
        this.config = config;
        this.limits = limits;
    }

    Verdict check(PlannedRow row) {
        String idCol = config.idColumn();
        if (row.id() == null) {
            return Verdict.rejected(idCol + " is null");
        }
        if (row.id().isEmpty()) {
            return Verdict.rejected(idCol + " is empty");
        }
        if (row.badIdBytes() != null) {
            return Verdict.rejected(idCol + " is not valid UTF-8 (bytes " + row.badIdBytes().toLowerCase(Locale.ROOT)
                    + ", " + row.sourceFile() + " row " + row.sourceRow() + "): ids name images and seed them, so they "
                    + "must be text");
        }
        if (row.duplicate()) {
            return Verdict.rejected("duplicate " + idCol + " '" + row.id() + "': only its first row in input order ("
                    + row.firstFile() + " row " + row.firstRow() + ") is generated");
        }
        if (limits.classConditional()) {
            String labels = config.classLabelColumn();
            if (row.classLabel() == null) {
                return Verdict.rejected(labels + " is null");
            }
            if (row.classLabel() < 0 || row.classLabel() >= limits.numClasses()) {
                return Verdict.rejected(labels + " " + row.classLabel() + " is out of range (0.."
                        + (limits.numClasses() - 1) + ", the model's classes)");
            }
        } else if (row.prompt() == null) {
            return Verdict.rejected(config.promptColumn() + " is null");
        } else if (row.prompt().isBlank()) {
            return Verdict.rejected(config.promptColumn() + " is empty");
        }
        Object count = row.overrides().get(GenerationSetting.NUM_IMAGES);
        int n;
        try {
            n = count == null ? config.numImages() : (Integer) GenerationSetting.NUM_IMAGES.checked(count);
        } catch (PipelineException e) {
            return Verdict.rejected(e.getMessage());
        }
        Object seed = row.overrides().get(GenerationSetting.SEED);
        long maxSeed = Long.MAX_VALUE - (n - 1);
        if (seed != null && ((Long) seed < 0 || (Long) seed > maxSeed)) {
            return Verdict.rejected("seed " + seed + " is out of range (0.." + maxSeed + " for " + n + " images)");
        }
        SamplingOptions sampling = config.sampling();
        for (Map.Entry<GenerationSetting, Object> o : row.overrides().entrySet()) {
            if (!o.getKey().isSampling()) {
                continue;
            }
            try {
                sampling = sampling.with(o.getKey(), o.getValue());
            } catch (PipelineException e) {
                return Verdict.rejected(e.getMessage());
            }
        }
        if (sampling.steps() > limits.maxSteps()) {
            return Verdict.rejected("steps " + sampling.steps() + " is out of range (1.." + limits.maxSteps()
                    + ", the model's num_train_timesteps)");
        }
        int[] todo = IntStream.range(0, n).filter(i -> Arrays.stream(row.done()).noneMatch(d -> d == i)).toArray();
        Integer label = limits.classConditional() ? row.classLabel().intValue() : null;
        return new Verdict(new WorkItem(row.id(), row.prompt(), label, sampling,
                Seeds.base((Long) seed, config.runSeed(), row.id()), todo), null);
    }
}
