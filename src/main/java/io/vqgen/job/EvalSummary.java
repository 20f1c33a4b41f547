package io.vqgen.job;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.SerializationFeature;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Map;

/**
 * What an evaluation found, written as {@code <output>/eval/<run_id>/summary.json}.
 *
 * @param imagesEvaluated  generated images read, decoded and scored
 * @param imagesSkipped    generated images listed ok in the manifest that could not be read or decoded (see
 *                         {@code skippedExamples} and the per-image table's error column)
 * @param generationErrors manifest rows that never became an image (status error, no ok row for the same image)
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record EvalSummary(String runId, String generated, String manifest, String generatedRunId, String output,
                          String started, String finished, double wallSeconds, long imagesEvaluated,
                          long imagesSkipped, long generationErrors, Map<String, String> skippedExamples,
                          Clip clipScore, Fid fid, String scores, String report, Map<String, String> settings) {

    /** torchmetrics' CLIP score (mean clamped at 0), the unclamped mean and the sample standard deviation. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Clip(double value, double mean, double std, long n, String model) {
    }

    /** FID and its parts: value = mean_term + trace_generated + trace_reference − 2·trace_sqrt. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Fid(double value, double meanTerm, double traceGenerated, double traceReference, double traceSqrt,
                      long nGenerated, long nReference, String resize, String weights, String weightsSha256,
                      String reference, String referenceStats, boolean referenceStatsReused, Long referenceSkipped,
                      String warning) {
    }

    private static final ObjectMapper JSON = new ObjectMapper()
            .setPropertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE)
            .enable(SerializationFeature.INDENT_OUTPUT);

    public String toJson() {
        try {
            return JSON.writeValueAsString(this);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public static EvalSummary fromJson(String json) {
        try {
            return JSON.readValue(json, EvalSummary.class);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** One line for the log and the console. */
    public String describe() {
        StringBuilder s = new StringBuilder("eval " + runId + ": " + imagesEvaluated + " images");
        if (clipScore != null) {
            s.append(String.format(java.util.Locale.ROOT, ", CLIP score %.4f (mean %.4f, std %.4f)", clipScore.value(),
                    clipScore.mean(), clipScore.std()));
        }
        if (fid != null) {
            s.append(String.format(java.util.Locale.ROOT, ", FID %.4f (%s, %d generated vs %d reference)", fid.value(),
                    fid.resize(), fid.nGenerated(), fid.nReference()));
        }
        s.append(String.format(java.util.Locale.ROOT, "; %d skipped, %d generation errors; %.1f s", imagesSkipped,
                generationErrors, wallSeconds));
        return s.toString();
    }
}
