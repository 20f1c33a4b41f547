package io.vqgen.pipeline;

import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * Every setting a user chooses per image, defined once: its name (the job key, the per-row column and the manifest
 * column all use it), command-line flag, type, default, range and meaning. The job configuration, the command-line
 * options, the prompt table's schema and row validation, the manifest and the caption tools all derive from this
 * table; {@link SamplingOptions} holds the values of the sampling ones.
 *
 * <p>Defaults are diffusers' (100 steps, guidance 5.0, truncation 1.0) and the research code's (infer_speed 1 = the
 * reference sampler, prior_rule 0, prior_weight 0).
 */
public enum GenerationSetting {
    SEED("seed", "--seed", Type.LONG, "0", 0, Long.MAX_VALUE, Scope.IMAGE,
            "Seed of the first image; image i uses seed + i."),
    NUM_IMAGES("num_images", "--images-per-prompt", Type.INT, "1", 1, 1024, Scope.ROW,
            "Images per prompt."),
    STEPS("steps", "--steps", Type.INT, "100", 1, Integer.MAX_VALUE, Scope.SAMPLING,
            "Denoising steps, at most the model's num_train_timesteps. With the reference sampler, fewer steps than "
                    + "the model was trained with run the LAST N timesteps, as diffusers does."),
    GUIDANCE_SCALE("guidance_scale", "--guidance-scale", Type.DOUBLE, "5.0", 0, Double.MAX_VALUE, Scope.SAMPLING,
            "Classifier-free guidance scale; <= 1 disables guidance."),
    TRUNCATION_RATE("truncation_rate", "--truncation-rate", Type.DOUBLE, "1.0", 0, 1, Scope.SAMPLING,
            "Keep the most probable classes up to this cumulative probability, in (0, 1]."),
    NOISE("noise", "--noise", Type.CHOICE, NoiseMode.PER_IMAGE.label(), 0, 0, Scope.JOB_SAMPLING,
            "per-image: each image's noise depends only on its own seed; reference: diffusers' random stream (one "
                    + "seed for the call), reproduces its token grids."),
    INFER_SPEED("infer_speed", "--infer-speed", Type.DOUBLE, "1", 0, 10, Scope.SAMPLING,
            "Research-code infer_speed in (0, 10]: 1 = the reference sampler, >= 2 = time-strided fast sampling, "
                    + "< 1 = high-quality unmasking sampler."),
    PRIOR_RULE("prior_rule", "--prior-rule", Type.INT, "0", 0, 2, Scope.SAMPLING,
            "Research-code prior_rule: 0 none, 1 unmasking with uniformly chosen positions, 2 purity sampling "
                    + "(ignored at infer_speed >= 2)."),
    PRIOR_WEIGHT("prior_weight", "--prior-weight", Type.DOUBLE, "0", 0, Double.MAX_VALUE, Scope.SAMPLING,
            "Research-code prior_weight >= 0: purity sharpening of the class probabilities (prior_rule 2).");

    /** How a value is held and written: Java type, Parquet/Spark column type. */
    public enum Type {
        /** 32-bit integer (any integral column type is accepted on input). */
        INT,
        /** 64-bit integer (any integral column type is accepted on input). */
        LONG,
        /** Floating point (any numeric column type is accepted on input). */
        DOUBLE,
        /** One of a fixed set of labels: a job or command-line setting only, not a column. */
        CHOICE
    }

    /** Where the setting applies. */
    public enum Scope {
        /** Per image: a per-row column and a manifest column; no job key (the job derives seeds from run_seed). */
        IMAGE,
        /** Per row: a job key and a per-row column, not in the manifest (each image has its own manifest row). */
        ROW,
        /** How an image is sampled: a job key, a per-row column and a manifest column. */
        SAMPLING,
        /** How an image is sampled, chosen for the whole job (a job key and a manifest column, no per-row column). */
        JOB_SAMPLING
    }

    private final String key;
    private final String flag;
    private final Type type;
    private final String defaultText;
    private final double min;
    private final double max;
    private final Scope scope;
    private final String help;

    GenerationSetting(String key, String flag, Type type, String defaultText, double min, double max, Scope scope,
                      String help) {
        this.key = key;
        this.flag = flag;
        this.type = type;
        this.defaultText = defaultText;
        this.min = min;
        this.max = max;
        this.scope = scope;
        this.help = help;
    }

    /** The job key, the per-row column and the manifest column (where the setting has them). */
    public String key() {
        return key;
    }

    public String flag() {
        return flag;
    }

    public Type type() {
        return type;
    }

    public String defaultText() {
        return defaultText;
    }

    public String help() {
        return help;
    }

    /** The largest value allowed (for STEPS the model may allow fewer). */
    public double max() {
        return max;
    }

    /** Whether a job file may set it (seeds come from run_seed or the row instead). */
    public boolean hasJobKey() {
        return scope != Scope.IMAGE;
    }

    /** Whether a prompt row may override it in a column of this name. */
    public boolean isColumn() {
        return scope != Scope.JOB_SAMPLING;
    }

    /** Whether the manifest records it, in a column of this name. */
    public boolean inManifest() {
        return scope != Scope.ROW;
    }

    /** Whether it is one of {@link SamplingOptions}' values. */
    public boolean isSampling() {
        return scope == Scope.SAMPLING || scope == Scope.JOB_SAMPLING;
    }

    public static List<GenerationSetting> columns() {
        return Arrays.stream(values()).filter(GenerationSetting::isColumn).toList();
    }

    public static List<GenerationSetting> sampling() {
        return Arrays.stream(values()).filter(GenerationSetting::isSampling).toList();
    }

    /** The setting with this key, or null. */
    public static GenerationSetting byKey(String key) {
        return Arrays.stream(values()).filter(s -> s.key.equals(key)).findFirst().orElse(null);
    }

    /**
     * Parses a value written as text (job file, command line, CSV cell).
     *
     * @return an Integer, Long, Double or {@link NoiseMode}, checked against the range
     * @throws PipelineException naming the setting, the text and what was expected
     */
    public Object parse(String text) {
        return parse(text, key);
    }

    /** {@link #parse(String)}, with messages naming the setting as {@code name} (e.g. its command-line flag). */
    public Object parse(String text, String name) {
        String t = text == null ? "" : text.strip();
        Object value;
        try {
            value = switch (type) {
                case INT -> Integer.valueOf(t);
                case LONG -> Long.valueOf(t);
                case DOUBLE -> Double.valueOf(t);
                case CHOICE -> NoiseMode.parse(t);
            };
        } catch (IllegalArgumentException | PipelineException e) {
            throw new PipelineException(name + ": '" + (t.length() > 40 ? t.substring(0, 37) + "..." : t) + "' is not "
                    + expected());
        }
        return checked(value, name);
    }

    /**
     * Checks a value against the range and returns it in the setting's Java type (a column's long for an INT
     * setting becomes an Integer).
     *
     * @throws PipelineException naming the setting, the value and the range
     */
    public Object checked(Object value) {
        return checked(value, key);
    }

    private Object checked(Object value, String name) {
        if (type == Type.CHOICE) {
            if (!(value instanceof NoiseMode)) {
                throw new PipelineException(name + ": expected " + expected() + ", got " + value);
            }
            return value;
        }
        if (!(value instanceof Number n)) {
            throw new PipelineException(name + ": expected " + expected() + ", got " + value);
        }
        boolean inRange;
        if (type == Type.DOUBLE) {
            double v = n.doubleValue();
            inRange = Double.isFinite(v) && v <= max && (openBelow() ? v > min : v >= min);
        } else {
            inRange = !(n instanceof Double || n instanceof Float) && n.longValue() >= (long) min
                    && n.longValue() <= (long) max;
        }
        if (!inRange) {
            throw new PipelineException(name + " " + n + " is out of range (" + range() + ")");
        }
        return switch (type) {
            case INT -> n.intValue();
            case LONG -> n.longValue();
            default -> n.doubleValue();
        };
    }

    /** Truncation rate and infer speed exclude their lower bound 0. */
    private boolean openBelow() {
        return this == TRUNCATION_RATE || this == INFER_SPEED;
    }

    /** The accepted range, as messages and help show it. */
    public String range() {
        return switch (this) {
            case NOISE -> "per-image or reference";
            case PRIOR_RULE -> "0, 1 or 2";
            case TRUNCATION_RATE -> "in (0, 1]";
            case INFER_SPEED -> "in (0, 10]";
            case GUIDANCE_SCALE, PRIOR_WEIGHT -> "a finite number >= 0";
            case STEPS -> "at least 1, at most the model's num_train_timesteps";
            default -> (long) min + ".." + (max == Long.MAX_VALUE ? "2^63-1" : String.valueOf((long) max));
        };
    }

    /** What a value of this setting looks like. */
    public String expected() {
        return switch (type) {
            case INT, LONG -> "a whole number (" + range() + ")";
            case DOUBLE -> "a number (" + range() + ")";
            case CHOICE -> range();
        };
    }
}
