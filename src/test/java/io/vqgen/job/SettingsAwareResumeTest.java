package io.vqgen.job;

import org.apache.spark.sql.Row;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Timestamp;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static io.vqgen.job.JobTestSupport.job;
import static io.vqgen.job.JobTestSupport.manifest;
import static io.vqgen.job.JobTestSupport.prompts;
import static io.vqgen.job.JobTestSupport.row;
import static io.vqgen.job.JobTestSupport.run;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A rerun into an output that already holds images compares how they were made (model fingerprint, seed, every
 * sampling setting) with how this run would make them: the same → resume; different → stop before the model is
 * loaded, naming what differs, unless overwrite=true makes them again.
 */
class SettingsAwareResumeTest {
    @TempDir
    Path tmp;
    Path model;
    Path input;
    Path out;

    @BeforeEach
    void firstRun() {
        model = JobTestSupport.model(tmp.resolve("model"));
        input = prompts(tmp.resolve("in.parquet"), row("a", "a red bus"), row("b", "a cat"),
                "{\"id\": \"c\", \"prompt\": \"a dog\", \"steps\": 7, \"num_images\": 2}");
        out = tmp.resolve("out");
        FakeGenerator.reset();
        RunSummary first = run(job(input, out, model, "run_id", "first"));
        assertEquals(4, first.imagesOk());
        FakeGenerator.reset();
        FakeGeneratorFactory.CREATED.set(0);
        GeneratorCache.closeAll();
    }

    private String refused(String... keyValues) {
        String message = assertThrows(JobException.class, () -> run(job(input, out, model, keyValues))).getMessage();
        assertTrue(FakeGenerator.CALLS.isEmpty(), "nothing generated");
        assertEquals(0, FakeGeneratorFactory.CREATED.get(), "the model was not loaded");
        return message;
    }

    @Test
    void sameSettingsResume() {
        RunSummary again = run(job(input, out, model));
        assertEquals(3, again.rowsAlreadyDone());
        assertTrue(FakeGenerator.CALLS.isEmpty());
    }

    @Test
    void otherJobSettingsStopTheRunNamingWhatDiffers() {
        String message = refused("steps", "12", "guidance_scale", "2");
        assertTrue(message.startsWith("output file:" + out + " already holds images of these rows made otherwise: "),
                message);
        assertTrue(message.contains("steps 10 -> 12 (2 images, e.g. '"), "row c keeps its own 7 steps: " + message);
        assertTrue(message.contains("guidance_scale 5.0 -> 2.0 (4 images, e.g. '"), message);
        assertTrue(message.endsWith("--set overwrite=true to make them again with these settings"), message);
    }

    @Test
    void anotherRunSeedOrNoiseModeOrModelIsAConflictToo() throws IOException {
        assertTrue(refused("run_seed", "9").contains("seed "), "derived seeds change with run_seed");
        assertTrue(refused("noise", "reference").contains("noise per-image -> reference (4 images"));
        Files.writeString(model.resolve("scheduler/extra.json"), "{}");
        String other = refused();
        assertTrue(other.contains("model_fingerprint sha256:"), other);
    }

    @Test
    void aChangedRowOverrideIsAConflictOfThatRowOnly() {
        Path changed = prompts(tmp.resolve("changed.parquet"), row("a", "a red bus"), row("b", "a cat"),
                "{\"id\": \"c\", \"prompt\": \"a dog\", \"steps\": 8, \"num_images\": 2}");
        String message = assertThrows(JobException.class, () -> run(job(changed, out, model))).getMessage();
        assertTrue(message.contains("steps 7 -> 8 (2 images, e.g. 'c' image "), message);
        assertTrue(!message.contains("guidance_scale"), message);
    }

    @Test
    void overwriteMakesThemAgainAndTheNewRowsBecomeTheCurrentState() {
        RunSummary second = run(job(input, out, model, "steps", "12", "overwrite", "true", "run_id", "second"));
        assertEquals(2, second.imagesOk(), "a and b (row c keeps its own steps, so its images stand)");
        Map<String, Row> current = current(manifest(out.toString()));
        assertEquals(12, (int) current.get("a#0").getAs("steps"));
        assertEquals("second", current.get("a#0").getAs("run_id"));
        assertEquals(7, (int) current.get("c#1").getAs("steps"));
        assertEquals("first", current.get("c#1").getAs("run_id"));

        FakeGenerator.reset();
        RunSummary third = run(job(input, out, model, "steps", "12"));
        assertEquals(3, third.rowsAlreadyDone(), "the new images count as done for the new settings");
        assertTrue(FakeGenerator.CALLS.isEmpty());
    }

    /** The current state of each image: its latest ok row by created_at. */
    private static Map<String, Row> current(List<Row> manifest) {
        Map<String, Row> out = new HashMap<>();
        for (Row r : manifest) {
            if (!"ok".equals(r.getAs("status"))) {
                continue;
            }
            String key = r.getAs("id") + "#" + r.getAs("image_index");
            Row seen = out.get(key);
            if (seen == null || ((Timestamp) r.getAs("created_at")).after(seen.getAs("created_at"))) {
                out.put(key, r);
            }
        }
        return out;
    }
}
