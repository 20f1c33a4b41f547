package io.vqgen.job;

import io.vqgen.eval.FidResize;

import java.io.Serializable;
import java.nio.file.Path;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * An evaluation job's settings ({@code vqgen eval JOBFILE [--set k=v]}), read with the same conventions as a
 * generation job file (see {@link JobFile}); immutable and serialisable so that tasks can carry it.
 */
public final class EvalConfig implements Serializable {
    private static final long serialVersionUID = 1L;
    private static final Pattern RUN_ID = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,99}");
    private static final Pattern DEVICE = Pattern.compile("auto|cpu|gpu|gpu:\\d+");
    /** Keys of an evaluation written into its generation job's file. */
    public static final String PREFIX = "eval.";

    /** Every known key with its default ("" = required, derived or unset). Order is the README's. */
    static final Map<String, String> DEFAULTS;

    static {
        Map<String, String> d = new LinkedHashMap<>();
        d.put("generated", "");
        d.put("generated_run_id", "");
        d.put("output", "");
        d.put("metrics", "clip,fid");
        d.put("clip_model", "");
        d.put("fid_weights", "");
        d.put("fid_resize", FidResize.PYTORCH_FID.label());
        d.put("reference", "");
        d.put("reference_format", "auto");
        d.put("reference_stats", "");
        d.put("batch_size", "16");
        d.put("partitions", "0");
        d.put("device", "auto");
        d.put("report_samples", "48");
        d.put("run_id", "");
        DEFAULTS = Collections.unmodifiableMap(d);
    }

    /** Where the reference images are: image files under a folder, or a Parquet table of bytes or paths. */
    public enum ReferenceFormat { AUTO, IMAGES, PARQUET }

    private final Map<String, String> settings;
    private final String generated;
    private final String generatedRunId;
    private final String output;
    private final boolean clip;
    private final boolean fid;
    private final String clipModel;
    private final String fidWeights;
    private final FidResize fidResize;
    private final String reference;
    private final ReferenceFormat referenceFormat;
    private final String referenceStats;
    private final int batchSize;
    private final int partitions;
    private final String device;
    private final int reportSamples;
    private final String runId;

    private EvalConfig(Map<String, String> raw, String source) {
        Map<String, String> s = JobFile.merge(DEFAULTS, evalKeys(raw, source), source);
        JobValues v = new JobValues(s, source);
        generated = v.required("generated", "the output root of a generation run: its manifest/ and images/");
        generatedRunId = s.get("generated_run_id");
        if (!generatedRunId.isEmpty()) {
            v.matching("generated_run_id", RUN_ID, "a run id of the generation run");
        }
        if (s.get("output").isEmpty()) {
            s.put("output", generated);
        }
        output = s.get("output");
        List<String> metrics = List.of(s.get("metrics").toLowerCase(Locale.ROOT).split("\\s*,\\s*"));
        for (String m : metrics) {
            if (!m.equals("clip") && !m.equals("fid")) {
                throw new JobException(source + ": metrics: unknown metric '" + m + "' (expected clip, fid or clip,fid)");
            }
        }
        clip = metrics.contains("clip");
        fid = metrics.contains("fid");
        clipModel = clip ? v.required("clip_model", "a transformers CLIPModel folder, e.g. openai/clip-vit-base-patch32 as "
                + "downloaded") : s.get("clip_model");
        fidWeights = fid ? v.required("fid_weights", "pytorch-fid's FID Inception weights, pt_inception-2015-12-05-6726825d.pth")
                : s.get("fid_weights");
        fidResize = v.parse("fid_resize", FidResize::parse);
        reference = s.get("reference");
        referenceFormat = v.parse("reference_format", f -> ReferenceFormat.valueOf(f.toUpperCase(Locale.ROOT)));
        if (s.get("reference_stats").isEmpty()) {
            s.put("reference_stats", output.replaceAll("/+$", "") + "/eval/reference-" + fidResize.label() + ".npz");
        }
        referenceStats = s.get("reference_stats");
        batchSize = v.integer("batch_size", 1, 4096);
        partitions = v.integer("partitions", 0, Integer.MAX_VALUE);
        device = v.matching("device", DEVICE, "auto, cpu, gpu or gpu:N");
        reportSamples = v.integer("report_samples", 0, 1000);
        if (s.get("run_id").isEmpty()) {
            s.put("run_id", JobFile.newRunId());
        }
        runId = v.matching("run_id", RUN_ID, "letters, digits, '.', '_' or '-', starting with a letter or digit, at most 100");
        settings = Collections.unmodifiableMap(s);
    }

    /**
     * A generation job file may carry its evaluation as {@code eval.*} keys: then {@code vqgen run} ignores those, and
     * {@code vqgen eval} reads them (prefix dropped) and ignores the generation keys, except that the run's
     * {@code output} and {@code run_id} are the defaults of {@code generated} and {@code generated_run_id}.
     * A file without {@code eval.*} keys is an evaluation job file of its own.
     */
    static Map<String, String> evalKeys(Map<String, String> raw, String source) {
        if (raw.keySet().stream().noneMatch(k -> k.startsWith(PREFIX))) {
            return raw;
        }
        Map<String, String> out = new LinkedHashMap<>();
        raw.forEach((k, v) -> {
            if (k.startsWith(PREFIX)) {
                out.put(k.substring(PREFIX.length()), v);
            } else if (k.startsWith("spark.")) {
                out.put(k, v);
            } else if (!JobConfig.DEFAULTS.containsKey(k)) {
                throw new JobException(source + ": unknown key '" + k + "' (a file with eval.* keys holds a generation "
                        + "job's keys and its evaluation's as eval.<key>; known evaluation keys: "
                        + String.join(", ", DEFAULTS.keySet()) + ")");
            }
        });
        if (raw.containsKey("output")) {
            out.putIfAbsent("generated", raw.get("output"));
        }
        if (raw.containsKey("run_id")) {
            out.putIfAbsent("generated_run_id", raw.get("run_id"));
        }
        return out;
    }

    public static EvalConfig load(Path jobFile, List<String> overrides) {
        return of(JobFile.read(jobFile, overrides), JobFile.source(jobFile, overrides));
    }

    public static EvalConfig of(Map<String, String> settings, String source) {
        return new EvalConfig(settings, source);
    }

    public EvalConfig with(Map<String, String> changes) {
        Map<String, String> s = new LinkedHashMap<>(settings);
        s.putAll(changes);
        return of(s, "eval settings");
    }

    public Map<String, String> sparkSettings() {
        return JobFile.sparkSettings(settings);
    }

    public Map<String, String> maskedSettings() {
        return JobFile.masked(settings);
    }

    public String generated() {
        return generated;
    }

    /** Empty: every run in the manifest. */
    public String generatedRunId() {
        return generatedRunId;
    }

    public String output() {
        return output;
    }

    public boolean clip() {
        return clip;
    }

    public boolean fid() {
        return fid;
    }

    public String clipModel() {
        return clipModel;
    }

    public String fidWeights() {
        return fidWeights;
    }

    public FidResize fidResize() {
        return fidResize;
    }

    public String reference() {
        return reference;
    }

    public ReferenceFormat referenceFormat() {
        return referenceFormat;
    }

    public String referenceStats() {
        return referenceStats;
    }

    public int batchSize() {
        return batchSize;
    }

    public int partitions() {
        return partitions;
    }

    public String device() {
        return device;
    }

    public int reportSamples() {
        return reportSamples;
    }

    public String runId() {
        return runId;
    }

    @Override
    public String toString() {
        return "EvalConfig" + maskedSettings();
    }
}
