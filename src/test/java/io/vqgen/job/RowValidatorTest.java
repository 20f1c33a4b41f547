package io.vqgen.job;

import io.vqgen.pipeline.GenerationSetting;
import io.vqgen.pipeline.SamplingOptions;
import org.junit.jupiter.api.Test;

import java.util.EnumMap;
import java.util.Map;

import static io.vqgen.pipeline.GenerationSetting.GUIDANCE_SCALE;
import static io.vqgen.pipeline.GenerationSetting.INFER_SPEED;
import static io.vqgen.pipeline.GenerationSetting.NUM_IMAGES;
import static io.vqgen.pipeline.GenerationSetting.PRIOR_RULE;
import static io.vqgen.pipeline.GenerationSetting.PRIOR_WEIGHT;
import static io.vqgen.pipeline.GenerationSetting.SEED;
import static io.vqgen.pipeline.GenerationSetting.STEPS;
import static io.vqgen.pipeline.GenerationSetting.TRUNCATION_RATE;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

class RowValidatorTest {
    private final JobConfig config = JobConfig.of(Map.of("input", "i", "output", "o", "model", "m", "steps", "20",
            "num_images", "2", "run_seed", "5", "id_column", "key", "prompt_column", "caption"), "test");
    private final RowValidator validator = new RowValidator(config, new ModelLimits(100, 0));

    private static PlannedRow row(String id, String prompt) {
        return new PlannedRow(id, null, prompt, null, Map.of(), "f", 3, "f", 3, new int[0]);
    }

    /** A row with overrides given as setting, value, setting, value, … (values as Spark reads them: Long or Double). */
    private static PlannedRow withOverrides(Object... settingAndValue) {
        Map<GenerationSetting, Object> overrides = new EnumMap<>(GenerationSetting.class);
        for (int i = 0; i < settingAndValue.length; i += 2) {
            overrides.put((GenerationSetting) settingAndValue[i], settingAndValue[i + 1]);
        }
        return new PlannedRow("id", null, "a prompt", null, overrides, "f", 0, "f", 0, new int[0]);
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
        WorkItem w = validator.check(withOverrides(SEED, 9L, NUM_IMAGES, 3L, STEPS, 7L, GUIDANCE_SCALE, 2.5,
                TRUNCATION_RATE, 0.5, INFER_SPEED, 2.0, PRIOR_RULE, 1L, PRIOR_WEIGHT, 0.5)).work();
        assertEquals(9, w.baseSeed());
        assertArrayEquals(new int[] {0, 1, 2}, w.indices());
        assertEquals(SamplingOptions.defaults().withSteps(7).withGuidanceScale(2.5).withTruncationRate(0.5)
                .withResearchSampler(2.0, 1, 0.5), w.sampling());
    }

    @Test
    void imagesAlreadyDoneAreSkipped() {
        PlannedRow r = new PlannedRow("a", null, "p", null, Map.of(NUM_IMAGES, 4L), "f", 0, "f", 0, new int[] {0, 2});
        assertArrayEquals(new int[] {1, 3}, validator.check(r).work().indices());
    }

    @Test
    void badRowsAreRejectedNamingColumnAndValue() {
        assertEquals("key is null", error(row(null, "p")));
        assertEquals("key is empty", error(row("", "p")));
        assertEquals("key is not valid UTF-8 (bytes ff, file:/in/a.parquet row 7): ids name images and seed them, so "
                + "they must be text", error(new PlannedRow("\uFFFD", "FF", "p", null, Map.of(), "file:/in/a.parquet", 7,
                "file:/in/a.parquet", 7, new int[0])));
        assertEquals("caption is null", error(row("a", null)));
        assertEquals("caption is empty", error(row("a", " \t")));
        assertEquals("duplicate key 'a': only its first row in input order (file:/in/a.parquet row 2) is generated",
                error(new PlannedRow("a", null, "p", null, Map.of(), "file:/in/b.parquet", 0, "file:/in/a.parquet", 2, new int[0])));
        assertEquals("num_images 0 is out of range (1..1024)", error(withOverrides(NUM_IMAGES, 0L)));
        assertEquals("num_images 5000 is out of range (1..1024)", error(withOverrides(NUM_IMAGES, 5000L)));
        assertEquals("seed -1 is out of range (0..9223372036854775806 for 2 images)", error(withOverrides(SEED, -1L)));
        assertEquals("seed 9223372036854775807 is out of range (0..9223372036854775806 for 2 images)",
                error(withOverrides(SEED, Long.MAX_VALUE)));
        assertEquals("steps 0 is out of range (at least 1, at most the model's num_train_timesteps)",
                error(withOverrides(STEPS, 0L)));
        assertEquals("steps 101 is out of range (1..100, the model's num_train_timesteps)",
                error(withOverrides(STEPS, 101L)));
        assertEquals("guidance_scale NaN is out of range (a finite number >= 0)",
                error(withOverrides(GUIDANCE_SCALE, Double.NaN)));
        assertEquals("truncation_rate 0.0 is out of range (in (0, 1])", error(withOverrides(TRUNCATION_RATE, 0.0)));
        assertEquals("infer_speed 11.0 is out of range (in (0, 10])", error(withOverrides(INFER_SPEED, 11.0)));
        assertEquals("prior_rule 3 is out of range (0, 1 or 2)", error(withOverrides(PRIOR_RULE, 3L)));
        assertEquals("prior_rule 4294967296 is out of range (0, 1 or 2)", error(withOverrides(PRIOR_RULE, 1L << 32)));
        assertEquals("prior_weight -1.0 is out of range (a finite number >= 0)", error(withOverrides(PRIOR_WEIGHT, -1.0)));
    }
}
