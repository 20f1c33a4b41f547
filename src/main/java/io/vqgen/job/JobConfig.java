package io.vqgen.job;

import io.vqgen.pipeline.NoiseMode;
import io.vqgen.pipeline.SamplingOptions;

import java.io.Serializable;
import java.nio.file.Path;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * A generation job's settings: read from a {@code .properties} job file plus {@code --set key=value}
 * overrides, checked at once (every error names its key), immutable and serialisable so tasks can carry it.
 * Keys starting with {@code spark.} are passed to the Spark configuration unchanged.
 */
public final class JobConfig implements Serializable {
    private static final long serialVersionUID = 1L;

    /** The production generator: the VQ-Diffusion pipeline. */
    public static final String DEFAULT_GENERATOR = "io.vqgen.job.PipelineGeneratorFactory";
    /** Upper bound of {@code num_images} per row, a guard against typos that would queue millions of images. */
    public static final int MAX_IMAGES_PER_ROW = 1024;

    private static final Pattern RUN_ID = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,99}");
    private static final Pattern DEVICE = Pattern.compile("auto|cpu|gpu|gpu:\\d+");

    /** Every known key with its default ("" = required or generated). Order is the README's. */
    static final Map<String, String> DEFAULTS;

    static {
        Map<String, String> d = new LinkedHashMap<>();
        d.put("input", "");
        d.put("output", "");
        d.put("model", "");
        d.put("id_column", "id");
        d.put("prompt_column", "prompt");
        d.put("num_images", "1");
        d.put("steps", String.valueOf(SamplingOptions.DEFAULT_STEPS));
        d.put("guidance_scale", String.valueOf(SamplingOptions.DEFAULT_GUIDANCE));
        d.put("truncation_rate", String.valueOf(SamplingOptions.DEFAULT_TRUNCATION));
        d.put("noise", NoiseMode.PER_IMAGE.label());
        d.put("infer_speed", "1");
        d.put("prior_rule", "0");
        d.put("prior_weight", "0");
        d.put("run_seed", "0");
        d.put("batch_size", "8");
        d.put("partitions", "0");
        d.put("rows_per_commit", "10000");
        d.put("device", "auto");
        d.put("dtype", "float32");
        d.put("inline_images", "false");
        d.put("run_id", "");
        d.put("generator", DEFAULT_GENERATOR);
        DEFAULTS = Collections.unmodifiableMap(d);
    }

    private final Map<String, String> settings;
    private final String input;
    private final String output;
    private final String model;
    private final String idColumn;
    private final String promptColumn;
    private final int numImages;
    private final int steps;
    private final double guidanceScale;
    private final double truncationRate;
    private final NoiseMode noise;
    private final double inferSpeed;
    private final int priorRule;
    private final double priorWeight;
    private final long runSeed;
    private final int batchSize;
    private final int partitions;
    private final int rowsPerCommit;
    private final String device;
    private final String dtype;
    private final boolean inlineImages;
    private final String runId;
    private final String generator;

    private JobConfig(Map<String, String> raw, String source) {
        // eval.* keys belong to the evaluation of this run (vqgen eval on the same file, see EvalConfig)
        Map<String, String> s = JobFile.merge(DEFAULTS, JobFile.without(EvalConfig.PREFIX, raw), source);
        JobValues r = new JobValues(s, source);
        input = r.required("input", "the prompts Parquet table: a file, folder or glob");
        output = r.required("output", "the output root for images/, manifest/ and runs/");
        model = r.required("model", "a diffusers VQ-Diffusion model folder with model_index.json");
        idColumn = r.required("id_column", "the name of the id column");
        promptColumn = r.required("prompt_column", "the name of the prompt column");
        if (idColumn.equals(promptColumn)) {
            throw new JobException(source + ": id_column and prompt_column are both '" + idColumn + "'");
        }
        numImages = r.integer("num_images", 1, MAX_IMAGES_PER_ROW);
        steps = r.integer("steps", Integer.MIN_VALUE, Integer.MAX_VALUE);
        guidanceScale = r.decimal("guidance_scale");
        truncationRate = r.decimal("truncation_rate");
        noise = r.parse("noise", NoiseMode::parse);
        inferSpeed = r.decimal("infer_speed");
        priorRule = r.integer("prior_rule", Integer.MIN_VALUE, Integer.MAX_VALUE);
        priorWeight = r.decimal("prior_weight");
        runSeed = r.parse("run_seed", Long::parseLong);
        batchSize = r.integer("batch_size", 1, Integer.MAX_VALUE);
        partitions = r.integer("partitions", 0, Integer.MAX_VALUE);
        rowsPerCommit = r.integer("rows_per_commit", 1, Integer.MAX_VALUE);
        device = r.matching("device", DEVICE, "auto, cpu, gpu or gpu:N");
        dtype = r.matching("dtype", Pattern.compile("float32|float16|bfloat16"), "float32, float16 or bfloat16");
        inlineImages = Boolean.parseBoolean(r.matching("inline_images", Pattern.compile("true|false"), "true or false"));
        generator = r.required("generator", "a GeneratorFactory class name");
        if (s.get("run_id").isEmpty()) {
            s.put("run_id", JobFile.newRunId());
        }
        runId = r.matching("run_id", RUN_ID, "letters, digits, '.', '_' or '-', starting with a letter or digit, at most 100");
        settings = Collections.unmodifiableMap(s);
        checkSampling(source);
    }

    /** Reads a job file, then applies {@code key=value} overrides in order. */
    public static JobConfig load(Path jobFile, List<String> overrides) {
        return of(JobFile.read(jobFile, overrides), JobFile.source(jobFile, overrides));
    }

    public static JobConfig of(Map<String, String> settings, String source) {
        return new JobConfig(settings, source);
    }

    /** The same job with some keys changed (tests, and the CLI's {@code --set}). */
    public JobConfig with(Map<String, String> changes) {
        Map<String, String> s = new LinkedHashMap<>(settings);
        s.putAll(changes);
        return of(s, "job settings");
    }

    private void checkSampling(String source) {
        SamplingOptions base = SamplingOptions.defaults().withNoise(noise);
        check(source, "steps", () -> base.withSteps(steps));
        check(source, "guidance_scale", () -> base.withGuidanceScale(guidanceScale));
        check(source, "truncation_rate", () -> base.withTruncationRate(truncationRate));
        check(source, "infer_speed", () -> base.withResearchSampler(inferSpeed, 0, 0));
        check(source, "prior_rule", () -> base.withResearchSampler(1, priorRule, 0));
        check(source, "prior_weight", () -> base.withResearchSampler(1, 0, priorWeight));
    }

    private static void check(String source, String key, Runnable build) {
        try {
            build.run();
        } catch (IllegalArgumentException e) {
            throw new JobException(source + ": " + key + ": " + e.getMessage());
        }
    }

    /** The job's sampling options (rows may override some of them). */
    public SamplingOptions sampling() {
        return new SamplingOptions(steps, guidanceScale, truncationRate, noise, inferSpeed, priorRule, priorWeight);
    }

    /** Every {@code spark.*} key, for the Spark configuration. */
    public Map<String, String> sparkSettings() {
        return JobFile.sparkSettings(settings);
    }

    /** All settings, values of credential-like keys replaced by {@code ****}: safe to log and to write. */
    public Map<String, String> maskedSettings() {
        return JobFile.masked(settings);
    }

    static boolean isSecret(String key) {
        return JobFile.isSecret(key);
    }

    public String input() {
        return input;
    }

    public String output() {
        return output;
    }

    public String model() {
        return model;
    }

    public String idColumn() {
        return idColumn;
    }

    public String promptColumn() {
        return promptColumn;
    }

    public int numImages() {
        return numImages;
    }

    public long runSeed() {
        return runSeed;
    }

    public int batchSize() {
        return batchSize;
    }

    /** 0 = Spark's default parallelism. */
    public int partitions() {
        return partitions;
    }

    public int rowsPerCommit() {
        return rowsPerCommit;
    }

    public String device() {
        return device;
    }

    public String dtype() {
        return dtype;
    }

    public boolean inlineImages() {
        return inlineImages;
    }

    public String runId() {
        return runId;
    }

    public String generator() {
        return generator;
    }

    @Override
    public String toString() {
        return "JobConfig" + maskedSettings();
    }
}
