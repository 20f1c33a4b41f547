package io.vqgen.job;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.SerializationFeature;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Map;

/**
 * What a run did, written as JSON to {@code <output>/runs/<run_id>.json}. Counts come from the run's committed
 * manifest partition, so they are exact even when Spark re-ran tasks.
 *
 * @param status            "succeeded" or "failed" (then {@code error} says why; what was committed stays)
 * @param rowsAlreadyDone   input rows whose every image was already {@code ok} in the manifest (resume)
 * @param rowsPlanned       input rows this run worked on (including rows that became error rows)
 * @param commits           Spark write jobs the rows were split into ({@code rows_per_commit})
 * @param generationSeconds summed over tasks (Spark accumulator)
 * @param imagesPerSecond   images ok per second of wall time
 * @param settings          the job's settings, credentials masked
 */
public record RunSummary(String runId, String status, String error, String input, String output, String model,
                         String started, String finished, double wallSeconds, long inputRows, long rowsAlreadyDone,
                         long rowsPlanned, int commits, long imagesOk, long errorRows, double generationSeconds,
                         double imagesPerSecond, String images, String manifest, String summary,
                         Map<String, String> settings) {

    private static final ObjectMapper JSON = new ObjectMapper()
            .setPropertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE)
            .enable(SerializationFeature.INDENT_OUTPUT);

    public boolean succeeded() {
        return "succeeded".equals(status);
    }

    public String toJson() {
        try {
            return JSON.writeValueAsString(this);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public static RunSummary fromJson(String json) {
        try {
            return JSON.readValue(json, RunSummary.class);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Writes the summary to {@link #summary()}, whole or not at all. */
    void write(OutputFiles files) throws IOException {
        files.write(summary, toJson().getBytes(StandardCharsets.UTF_8));
    }

    /** One line for the log and the console. */
    public String describe() {
        return String.format("run %s %s: %d images ok, %d error rows; %d input rows (%d already done, %d planned)"
                        + " in %.1f s, %.2f images/s", runId, status, imagesOk, errorRows, inputRows, rowsAlreadyDone,
                rowsPlanned, wallSeconds, imagesPerSecond);
    }
}
