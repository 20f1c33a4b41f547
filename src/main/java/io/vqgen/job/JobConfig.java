package io.vqgen.job;

import io.vqgen.pipeline.GenerationSetting;
import io.vqgen.pipeline.PipelineException;
import io.vqgen.pipeline.PipelineOptions;
import io.vqgen.pipeline.SamplingOptions;

import java.io.IOException;
import java.io.Serializable;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.Collections;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;
import java.util.function.Function;
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
    private static final List<String> SECRET_MARKERS = List.of("secret", "password", "token", "access.key");

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
    private final int numImages;
    private final SamplingOptions sampling;
    private final long runSeed;
    private final int batchSize;
    private final int partitions;
    private final int rowsPerCommit;
    private final String device;
    private final String dtype;
    private final boolean inlineImages;
    private final boolean overwrite;
    private final double estSecondsPerImage;
    private final String runId;
    private final String generator;

    private JobConfig(Map<String, String> raw, String source) {
        Map<String, String> s = new LinkedHashMap<>(DEFAULTS);
        raw.forEach((k, v) -> {
            if (!k.startsWith("spark.") && !DEFAULTS.containsKey(k)) {
                throw new JobException(source + ": unknown key '" + k + "' (known keys: "
                        + String.join(", ", DEFAULTS.keySet()) + ", and any spark.* key)");
            }
            s.put(k, v.strip());
        });
        Settings r = new Settings(s, source);
        input = r.required("input", "the prompts Parquet table: a file, folder or glob");
        output = r.required("output", "the output root for images/, manifest/ and runs/");
        model = r.required("model", "a diffusers VQ-Diffusion model folder with model_index.json");
        modelCacheDir = s.get("model_cache_dir");
        idColumn = r.required("id_column", "the name of the id column");
        promptColumn = r.required("prompt_column", "the name of the prompt column");
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
        overwrite = Boolean.parseBoolean(r.matching("overwrite", Pattern.compile("true|false"), "true or false"));
        estSecondsPerImage = r.nonNegative("est_seconds_per_image");
        generator = r.required("generator", "a GeneratorFactory class name");
        if (s.get("run_id").isEmpty()) {
            s.put("run_id", newRunId());
        }
        runId = r.matching("run_id", RUN_ID, "letters, digits, '.', '_' or '-', starting with a letter or digit, at most 100");
        settings = Collections.unmodifiableMap(s);
    }

    /** Reads a job file, then applies {@code key=value} overrides in order. */
    public static JobConfig load(Path jobFile, List<String> overrides) {
        Properties props = new Properties();
        try (java.io.Reader in = Files.newBufferedReader(jobFile, StandardCharsets.UTF_8)) {
            props.load(in);
        } catch (NoSuchFileException e) {
            throw new JobException("job file " + jobFile + ": not found");
        } catch (IOException | IllegalArgumentException e) {
            throw new JobException("job file " + jobFile + ": cannot be read (" + e.getMessage() + ")");
        }
        Map<String, String> raw = new LinkedHashMap<>();
        props.stringPropertyNames().stream().sorted().forEach(k -> raw.put(k, props.getProperty(k)));
        for (String o : overrides) {
            int eq = o.indexOf('=');
            if (eq <= 0) {
                throw new JobException("--set '" + o + "': expected key=value");
            }
            raw.put(o.substring(0, eq).strip(), o.substring(eq + 1));
        }
        return of(raw, overrides.isEmpty() ? "job file " + jobFile : "job file " + jobFile + " with --set");
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

    private static String newRunId() {
        byte[] suffix = new byte[2];
        new SecureRandom().nextBytes(suffix);
        return DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss'Z'").format(ZonedDateTime.now(ZoneOffset.UTC))
                + "-" + HexFormat.of().formatHex(suffix);
    }

    /** The job's sampling options (rows may override some of them). */
    public SamplingOptions sampling() {
        return sampling;
    }

    /** Every {@code spark.*} key, for the Spark configuration. */
    public Map<String, String> sparkSettings() {
        Map<String, String> out = new TreeMap<>();
        settings.forEach((k, v) -> {
            if (k.startsWith("spark.")) {
                out.put(k, v);
            }
        });
        return out;
    }

    /** All settings, values of credential-like keys replaced by {@code ****}: safe to log and to write. */
    public Map<String, String> maskedSettings() {
        Map<String, String> out = new LinkedHashMap<>();
        settings.forEach((k, v) -> out.put(k, isSecret(k) ? "****" : v));
        return out;
    }

    static boolean isSecret(String key) {
        String k = key.toLowerCase(Locale.ROOT);
        return SECRET_MARKERS.stream().anyMatch(k::contains);
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

    public String generator() {
        return generator;
    }

    @Override
    public String toString() {
        return "JobConfig" + maskedSettings();
    }

    /** Typed access to the merged settings, every failure naming the key. */
    private record Settings(Map<String, String> s, String source) {
        String required(String key, String what) {
            String v = s.get(key);
            if (v == null || v.isEmpty()) {
                throw new JobException(source + ": missing required key '" + key + "' (" + what + ")");
            }
            return v;
        }

        <T> T parse(String key, Function<String, T> parser) {
            String v = s.get(key);
            try {
                return parser.apply(v);
            } catch (IllegalArgumentException e) {
                throw new JobException(source + ": " + key + ": cannot use '" + v + "' (" + e.getMessage() + ")");
            }
        }

        int integer(String key, int min, int max) {
            String v = s.get(key);
            int n;
            try {
                n = Integer.parseInt(v);
            } catch (NumberFormatException e) {
                throw new JobException(source + ": " + key + ": expected an integer, got '" + v + "'");
            }
            if (n < min || n > max) {
                throw new JobException(source + ": " + key + ": " + n + " is out of range (" + min + ".." + max + ")");
            }
            return n;
        }

        Object setting(GenerationSetting setting) {
            try {
                return setting.parse(s.get(setting.key()));
            } catch (PipelineException e) {
                throw new JobException(source + ": " + e.getMessage());
            }
        }

        double nonNegative(String key) {
            String v = s.get(key);
            double d;
            try {
                d = Double.parseDouble(v);
            } catch (NumberFormatException e) {
                throw new JobException(source + ": " + key + ": expected a number, got '" + v + "'");
            }
            if (!(d >= 0) || Double.isInfinite(d)) {
                throw new JobException(source + ": " + key + ": " + v + " is out of range (a finite number >= 0)");
            }
            return d;
        }

        String dtype(String key) {
            String v = s.get(key);
            try {
                new PipelineOptions("cpu", v);
                return v;
            } catch (RuntimeException e) {
                throw new JobException(source + ": " + key + ": " + e.getMessage());
            }
        }

        String matching(String key, Pattern pattern, String expected) {
            String v = s.get(key);
            if (!pattern.matcher(v).matches()) {
                throw new JobException(source + ": " + key + ": '" + v + "' is not valid (expected " + expected + ")");
            }
            return v;
        }
    }
}
