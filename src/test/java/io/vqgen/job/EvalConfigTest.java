package io.vqgen.job;

import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class EvalConfigTest {

    @Test
    void theMscocoJobFileHoldsARunAndItsEvaluation() {
        Path file = Path.of("jobs/mscoco-eval.properties");
        JobConfig run = JobConfig.load(file, List.of());
        EvalConfig eval = EvalConfig.load(file, List.of());
        assertEquals(run.output(), eval.generated());
        assertEquals(run.runId(), eval.generatedRunId());
        assertEquals(run.output(), eval.output());
        assertEquals("/models/clip-vit-base-patch32", eval.clipModel());
        assertTrue(eval.clip() && eval.fid());
        assertEquals("ithq-val2014-30k-seed0-eval", eval.runId());
        assertEquals("s3a://vqgen-eval/mscoco/val2014-stats-pytorch-fid.npz", eval.referenceStats());
        EvalConfig overridden = EvalConfig.load(file, List.of("eval.batch_size=8", "eval.fid_resize=clean"));
        assertEquals(8, overridden.batchSize());
        assertEquals("clean", overridden.fidResize().label());
    }

    @Test
    void standaloneDefaultsAndCredentialsMasked() {
        EvalConfig c = EvalConfig.of(Map.of("generated", "s3a://b/run/", "clip_model", "/m/clip", "fid_weights", "/m/fid.pth",
                "reference", "s3a://b/val2014/", "spark.hadoop.fs.s3a.secret.key", "xyz"), "test");
        assertEquals("s3a://b/run/", c.output());
        assertEquals("s3a://b/run/eval/reference-pytorch-fid.npz", c.referenceStats());
        assertEquals("****", c.maskedSettings().get("spark.hadoop.fs.s3a.secret.key"));
        assertEquals("xyz", c.sparkSettings().get("spark.hadoop.fs.s3a.secret.key"));
        assertFalse(c.toString().contains("xyz"));
        EvalConfig clipOnly = EvalConfig.of(Map.of("generated", "/g", "metrics", "clip", "clip_model", "/m"), "test");
        assertFalse(clipOnly.fid());
    }

    @Test
    void badSettingsNameTheKey() {
        Map<Map<String, String>, String> cases = Map.of(
                Map.of("clip_model", "/m"), "missing required key 'generated'",
                Map.of("generated", "/g", "fid_weights", "/f"), "missing required key 'clip_model'",
                Map.of("generated", "/g", "metrics", "fid"), "missing required key 'fid_weights'",
                Map.of("generated", "/g", "metrics", "clip", "clip_model", "/m", "batch_size", "0"), "batch_size: 0 is out of range",
                Map.of("generated", "/g", "metrics", "clip", "clip_model", "/m", "device", "tpu"), "device: 'tpu' is not valid",
                Map.of("generated", "/g", "metrics", "clip", "clip_model", "/m", "reference_format", "zip"), "reference_format",
                Map.of("eval.clip_model", "/m", "output", "/o", "colour", "red"), "unknown key 'colour'");
        cases.forEach((settings, message) -> {
            JobException e = assertThrows(JobException.class, () -> EvalConfig.of(settings, "test"));
            assertTrue(e.getMessage().contains(message), e.getMessage());
        });
    }
}
