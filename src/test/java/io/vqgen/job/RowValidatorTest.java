package io.vqgen.job;

import io.vqgen.pipeline.SamplingOptions;
import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

class RowValidatorTest {
    private final JobConfig config = JobConfig.of(Map.of("input", "i", "output", "o", "model", "m", "steps", "20",
            "num_images", "2", "run_seed", "5", "id_column", "key", "prompt_column", "caption"), "test");
    private final RowValidator validator = new RowValidator(config, 100);

    private static PlannedRow row(String id, String prompt) {
        return new PlannedRow(id, prompt, null, null, null, null, null, null, null, null, "f", 3, "f", 3, new int[0]);
    }

    private static PlannedRow withOverrides(Long seed, Long numImages, Long steps, Double guidance, Double truncation,
                                            Double speed, Long rule, Double weight) {
        return new PlannedRow("id", "a prompt", seed, numImages, steps, guidance, truncation, speed, rule, weight,
                "f", 0, "f", 0, new int[0]);
    }

    private String error(PlannedRow r) {
        RowValidator.Verdict v = validator.check(r);
        assertNull(v.work(), "rejected");
        return v.error();
    }

    @Test
    void aGoodRowGetsTheJobsOptionsAndDerivedSeeds() {
        RowValidator.Verdict v = validator.check(row("a", "a cat"));
        assertNull(v.error());
        WorkItem w = v.work();
        assertEquals("a", w.id());
        assertEquals("a cat", w.prompt());
        assertEquals(config.sampling(), w.sampling());
        assertEquals(Seeds.derivedBase(5, "a"), w.baseSeed());
        assertArrayEquals(new int[] {0, 1}, w.indices());
    }

    @Test
    void overridesReplaceTheJobsOptions() {
        WorkItem w = validator.check(withOverrides(9L, 3L, 7L, 2.5, 0.5, 2.0, 1L, 0.5)).work();
        assertEquals(9, w.baseSeed());
        assertArrayEquals(new int[] {0, 1, 2}, w.indices());
        assertEquals(SamplingOptions.defaults().withSteps(7).withGuidanceScale(2.5).withTruncationRate(0.5)
                .withResearchSampler(2.0, 1, 0.5), w.sampling());
    }

    @Test
    void imagesAlreadyDoneAreSkipped() {
        PlannedRow r = new PlannedRow("a", "p", null, 4L, null, null, null, null, null, null, "f", 0, "f", 0, new int[] {0, 2});
        assertArrayEquals(new int[] {1, 3}, validator.check(r).work().indices());
    }

    @Test
    void badRowsAreRejectedNamingColumnAndValue() {
        assertEquals("key is null", error(row(null, "p")));
        assertEquals("key is empty", error(row("", "p")));
        assertEquals("caption is null", error(row("a", null)));
        assertEquals("caption is empty", error(row("a", " \t")));
        assertEquals("duplicate key 'a': only its first row in input order (file:/in/a.parquet row 2) is generated",
                error(new PlannedRow("a", "p", null, null, null, null, null, null, null, null,
                        "file:/in/b.parquet", 0, "file:/in/a.parquet", 2, new int[0])));
        assertEquals("num_images 0 is out of range (1..1024)", error(withOverrides(null, 0L, null, null, null, null, null, null)));
        assertEquals("num_images 5000 is out of range (1..1024)", error(withOverrides(null, 5000L, null, null, null, null, null, null)));
        assertEquals("seed -1 is out of range (0..9223372036854775806 for 2 images)",
                error(withOverrides(-1L, null, null, null, null, null, null, null)));
        assertEquals("seed 9223372036854775807 is out of range (0..9223372036854775806 for 2 images)",
                error(withOverrides(Long.MAX_VALUE, null, null, null, null, null, null, null)));
        assertEquals("steps 0 is out of range (1..100, the model's num_train_timesteps)",
                error(withOverrides(null, null, 0L, null, null, null, null, null)));
        assertEquals("steps 101 is out of range (1..100, the model's num_train_timesteps)",
                error(withOverrides(null, null, 101L, null, null, null, null, null)));
        assertEquals("guidance_scale NaN is out of range: guidance scale must be a finite number >= 0, got NaN",
                error(withOverrides(null, null, null, Double.NaN, null, null, null, null)));
        assertEquals("truncation_rate 0.0 is out of range: truncation rate must be in (0, 1], got 0.0",
                error(withOverrides(null, null, null, null, 0.0, null, null, null)));
        assertEquals("infer_speed 11.0 is out of range: infer speed must be in (0, 10], got 11.0",
                error(withOverrides(null, null, null, null, null, 11.0, null, null)));
        assertEquals("prior_rule 3 is out of range: prior rule must be 0, 1 or 2, got 3",
                error(withOverrides(null, null, null, null, null, null, 3L, null)));
        assertEquals("prior_rule 4294967296 is out of range (0, 1 or 2)",
                error(withOverrides(null, null, null, null, null, null, 1L << 32, null)));
        assertEquals("prior_weight -1.0 is out of range: prior weight must be a finite number >= 0, got -1.0",
                error(withOverrides(null, null, null, null, null, null, null, -1.0)));
    }
}
