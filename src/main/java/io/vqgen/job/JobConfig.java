package io.vqgen.job;

import io.vqgen.pipeline.GenerationSetting;
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
    private static final Pattern RUN_ID = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,99}");
    private static final Pattern DEVICE = Pattern.compile("auto|cpu|gpu|gpu:\\d+");
    /** Shards close once they hold about this many bytes (webdataset's usual ~1 GB). */
    static final long DEFAULT_SHARD_BYTES = 1_000_000_000L;

    /**
     * Every known key with its default ("" = required or generated). Order is the README's. The per-image settings
     * ({@link GenerationSetting}: num_images and the sampling settings) come from their table.
     */
    static final Map<String, String> DEFAULTS;

    static {
        Map<String, String> d = new LinkedHashMap<>();
        d.put("input", "");
        d.put("output", "");
        d.put("model", "");
        d.put("model_cache_dir", "");
        d.put("id_column", "id");
        d.put("prompt_column", "prompt");
        d.put("class_label_column", "class_label");
        for (GenerationSetting setting : GenerationSetting.values()) {
            if (setting.hasJobKey()) {
                d.put(setting.key(), setting.defaultText());
            }
        }
        d.put("run_seed", "0");
        d.put("batch_size", "8");
        d.put("partitions", "0");
        d.put("rows_per_commit", "10000");
        d.put("device", "auto");
        d.put("dtype", "float32");
        d.put("inline_images", "false");
        d.put("output_format", "png");
        d.put("shard_images", "0");
        d.put("shard_bytes", String.valueOf(DEFAULT_SHARD_BYTES));
        d.put("progress_seconds", "30");
        d.put("overwrite", "false");
        d.put("est_seconds_per_image", "0");
        d.put("run_id", "");
        d.put("generator", DEFAULT_GENERATOR);
        DEFAULTS = Collections.unmodifiableMap(d);
    }

    private final Map<String, String> settings;
    private final String input;
    private final String output;
    private final String model;
    private final String modelCacheDir;
    private final String idColumn;
    private final String promptColumn;
    private final String classLabelColumn;
    private final int numImages;
    private final SamplingOptions sampling;
    private final long runSeed;
    private final int batchSize;
    private final int partitions;
    private final int rowsPerCommit;
    private final String device;
    private final String dtype;
    private final boolean inlineImages;
    private final OutputFormat outputFormat;
    private final int shardImages;
    private final long shardBytes;
    private final int progressSeconds;
    private final boolean overwrite;
    private final double estSecondsPerImage;
    private final String runId;
    private final String generator;

    private JobConfig(Map<String, String> raw, String source) {
        // eval.* keys belong to the evaluation of this run (vqgen eval on the same file, see EvalConfig)
        Map<String, String> s = JobFile.merge(DEFAULTS, JobFile.without(EvalConfig.PREFIX, raw), source);
        JobValues r = new JobValues(s, source);
        input = r.required("input", "the prompts Parquet table: a file, folder or glob");
        output = r.required("output", "the output root for images/, manifest/ and runs/");
        model = r.required("model", "a diffusers VQ-Diffusion model folder with model_index.json");
        modelCacheDir = s.get("model_cache_dir");
        idColumn = r.required("id_column", "the name of the id column");
        promptColumn = r.required("prompt_column", "the name of the prompt column");
        classLabelColumn = r.required("class_label_column", "the name of the class label column (class models)");
        if (idColumn.equals(promptColumn)) {
            throw new JobException(source + ": id_column and prompt_column are both '" + idColumn + "'");
        }
        numImages = (Integer) r.setting(GenerationSetting.NUM_IMAGES);
        SamplingOptions o = SamplingOptions.defaults();
        for (GenerationSetting setting : GenerationSetting.sampling()) {
            o = o.with(setting, r.setting(setting));
        }
        sampling = o;
        runSeed = r.parse("run_seed", Long::parseLong);
        batchSize = r.integer("batch_size", 1, Integer.MAX_VALUE);
        partitions = r.integer("partitions", 0, Integer.MAX_VALUE);
        rowsPerCommit = r.integer("rows_per_commit", 1, Integer.MAX_VALUE);
        device = r.matching("device", DEVICE, "auto, cpu, gpu or gpu:N");
        dtype = r.dtype("dtype");
        inlineImages = Boolean.parseBoolean(r.matching("inline_images", Pattern.compile("true|false"), "true or false"));
        outputFormat = OutputFormat.parse(r.matching("output_format", Pattern.compile("png|webdataset"),
                "png or webdataset"));
        shardImages = r.integer("shard_images", 0, Integer.MAX_VALUE);
        progressSeconds = r.integer("progress_seconds", 0, 86_400);
        shardBytes = r.parse("shard_bytes", v -> {
            long n = Long.parseLong(v);
            if (n < 1) {
                throw new IllegalArgumentException("must be at least 1");
            }
            return n;
        });
        overwrite = Boolean.parseBoolean(r.matching("overwrite", Pattern.compile("true|false"), "true or false"));
        estSecondsPerImage = r.nonNegative("est_seconds_per_image");
        generator = r.required("generator", "a GeneratorFactory class name");
        if (s.get("run_id").isEmpty()) {
            s.put("run_id", JobFile.newRunId());
        }
        runId = r.matching("run_id", RUN_ID, "letters, digits, '.', '_' or '-', starting with a letter or digit, at most 100");
        settings = Collections.unmodifiableMap(s);
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

    /** The job's sampling options (rows may override some of them). */
    public SamplingOptions sampling() {
        return sampling;
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

    /** Where executors copy a remote model; empty = under Spark's local directory. */
    public String modelCacheDir() {
        return modelCacheDir;
    }

    public String idColumn() {
        return idColumn;
    }

    public String promptColumn() {
        return promptColumn;
    }

    /** The class labels' column, read instead of prompts for a class-conditional model. */
    public String classLabelColumn() {
        return classLabelColumn;
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

    /** Make again the images the output holds with other settings (else such a rerun stops before it starts). */
    public boolean overwrite() {
        return overwrite;
    }

    /** Seconds one image takes on one task (from vqgen bench), for the dry run's estimate; 0 = none. */
    public double estSecondsPerImage() {
        return estSecondsPerImage;
    }

    public String runId() {
        return runId;
    }

    /** How images are stored: one PNG object each, or webdataset tar shards. */
    public OutputFormat outputFormat() {
        return outputFormat;
    }

    /** Images per webdataset shard at most; 0 = no count limit (only {@link #shardBytes()}). */
    public int shardImages() {
        return shardImages;
    }

    /** How often the driver logs the run's progress; zero: never. */
    public java.time.Duration progressInterval() {
        return java.time.Duration.ofSeconds(progressSeconds);
    }

    /** A webdataset shard is closed once it holds at least this many bytes. */
    public long shardBytes() {
        return shardBytes;
    }

    public String generator() {
        return generator;
    }

    @Override
    public String toString() {
        return "JobConfig" + maskedSettings();
    }
}
