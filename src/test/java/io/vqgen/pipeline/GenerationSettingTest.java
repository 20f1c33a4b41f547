package io.vqgen.pipeline;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.EnumSource;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class GenerationSettingTest {
    @ParameterizedTest
    @EnumSource(GenerationSetting.class)
    void everyDefaultIsAValidValue(GenerationSetting setting) {
        Object value = setting.parse(setting.defaultText());
        assertEquals(value, setting.checked(value));
        if (setting.isSampling()) {
            assertEquals(value, SamplingOptions.defaults().get(setting), "defaults() holds the table's default");
        }
    }

    @Test
    void defaultsAreDiffusersAndTheResearchCodes() {
        assertEquals(new SamplingOptions(100, 5.0, 1.0, NoiseMode.PER_IMAGE, 1, 0, 0), SamplingOptions.defaults());
    }

    @Test
    void columnValuesAreTakenInTheSettingsType() {
        assertEquals(7, GenerationSetting.STEPS.checked(7L), "Spark reads integer columns as long");
        assertEquals(2.0, GenerationSetting.GUIDANCE_SCALE.checked(2L), "an integer column for a decimal setting");
        assertEquals(0.5, GenerationSetting.TRUNCATION_RATE.checked(0.5f));
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "STEPS|0|steps 0 is out of range (at least 1, at most the model's num_train_timesteps)",
            "STEPS|2.5|steps: '2.5' is not a whole number (at least 1, at most the model's num_train_timesteps)",
            "GUIDANCE_SCALE|Infinity|guidance_scale Infinity is out of range (a finite number >= 0)",
            "GUIDANCE_SCALE|NaN|guidance_scale NaN is out of range (a finite number >= 0)",
            "TRUNCATION_RATE|0|truncation_rate 0.0 is out of range (in (0, 1])",
            "TRUNCATION_RATE|1.0000001|truncation_rate 1.0000001 is out of range (in (0, 1])",
            "INFER_SPEED|10.5|infer_speed 10.5 is out of range (in (0, 10])",
            "PRIOR_RULE|-1|prior_rule -1 is out of range (0, 1 or 2)",
            "PRIOR_WEIGHT|-0.1|prior_weight -0.1 is out of range (a finite number >= 0)",
            "NUM_IMAGES|1025|num_images 1025 is out of range (1..1024)",
            "SEED|-1|seed -1 is out of range (0..2^63-1)",
            "SEED|9223372036854775808|seed: '9223372036854775808' is not a whole number (0..2^63-1)",
            "NOISE|gaussian|noise: 'gaussian' is not per-image or reference"})
    void badValuesNameTheSettingTheValueAndTheRange(GenerationSetting setting, String text, String message) {
        assertEquals(message, assertThrows(PipelineException.class, () -> setting.parse(text)).getMessage());
    }

    @Test
    void anIntegralSettingRefusesAFraction() {
        PipelineException e = assertThrows(PipelineException.class, () -> GenerationSetting.PRIOR_RULE.checked(1.5));
        assertEquals("prior_rule 1.5 is out of range (0, 1 or 2)", e.getMessage());
    }

    @Test
    void whereEachSettingAppears() {
        assertEquals(GenerationSetting.columns(), java.util.List.of(GenerationSetting.SEED, GenerationSetting.NUM_IMAGES,
                GenerationSetting.STEPS, GenerationSetting.GUIDANCE_SCALE, GenerationSetting.TRUNCATION_RATE,
                GenerationSetting.INFER_SPEED, GenerationSetting.PRIOR_RULE, GenerationSetting.PRIOR_WEIGHT));
        assertEquals(false, GenerationSetting.NOISE.isColumn(), "noise is chosen per job");
        assertEquals(false, GenerationSetting.SEED.hasJobKey(), "a job seeds rows with run_seed");
        assertEquals(false, GenerationSetting.NUM_IMAGES.inManifest(), "each image has its own manifest row");
    }
}
