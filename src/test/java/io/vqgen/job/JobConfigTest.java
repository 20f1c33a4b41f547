package io.vqgen.job;

import io.vqgen.pipeline.NoiseMode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class JobConfigTest {
    @TempDir
    Path tmp;

    private static Map<String, String> minimal(String... keyValues) {
        Map<String, String> s = new LinkedHashMap<>(Map.of("input", "in.parquet", "output", "out", "model", "m"));
        for (int i = 0; i < keyValues.length; i += 2) {
            s.put(keyValues[i], keyValues[i + 1]);
        }
        return s;
    }

    private static String error(String... keyValues) {
        return assertThrows(JobException.class, () -> JobConfig.of(minimal(keyValues), "job file j")).getMessage();
    }

    @Test
    void readsAJobFileWithOverridesAndDefaults() throws IOException {
        Path file = Files.writeString(tmp.resolve("job.properties"), """
                # a comment
                input = s3a://bucket/prompts/
                output=s3a://bucket/out
                model=/models/ithq
                steps=50
                guidance_scale=3.5
                spark.executor.memory=8g
                spark.hadoop.fs.s3a.secret.key=hunter2
                """);
        JobConfig c = JobConfig.load(file, List.of("steps=20", "noise=reference", "spark.master=local[1]"));
        assertEquals("s3a://bucket/prompts/", c.input());
        assertEquals(20, c.sampling().steps());
        assertEquals(3.5, c.sampling().guidanceScale());
        assertEquals(1.0, c.sampling().truncationRate());
        assertEquals(NoiseMode.REFERENCE, c.sampling().noise());
        assertEquals(1.0, c.sampling().inferSpeed());
        assertEquals(0, c.sampling().priorRule());
        assertEquals(8, c.batchSize());
        assertEquals(1, c.numImages());
        assertEquals("id", c.idColumn());
        assertEquals("prompt", c.promptColumn());
        assertEquals("auto", c.device());
        assertEquals("float32", c.dtype());
        assertFalse(c.inlineImages());
        assertEquals(JobConfig.DEFAULT_GENERATOR, c.generator());
        assertTrue(c.runId().matches("\\d{8}T\\d{6}Z-[0-9a-f]{4}"), c.runId());
        assertEquals(Map.of("spark.executor.memory", "8g", "spark.hadoop.fs.s3a.secret.key", "hunter2",
                "spark.master", "local[1]"), c.sparkSettings());
    }

    @Test
    void credentialsAreMaskedInEverythingThatIsPrintedOrWritten() {
        JobConfig c = JobConfig.of(minimal("spark.hadoop.fs.s3a.secret.key", "hunter2",
                "spark.hadoop.fs.s3a.access.key", "AKIA123", "spark.hadoop.fs.s3a.session.token", "tok-value-9",
                "spark.ssl.keyPassword", "pw", "spark.executor.memory", "8g"), "test");
        Map<String, String> masked = c.maskedSettings();
        assertEquals("****", masked.get("spark.hadoop.fs.s3a.secret.key"));
        assertEquals("****", masked.get("spark.hadoop.fs.s3a.access.key"));
        assertEquals("****", masked.get("spark.hadoop.fs.s3a.session.token"));
        assertEquals("****", masked.get("spark.ssl.keyPassword"));
        assertEquals("8g", masked.get("spark.executor.memory"));
        for (String secret : List.of("hunter2", "AKIA123", "tok-value-9", "=pw")) {
            assertFalse(c.toString().contains(secret), c.toString());
        }
    }

    @Test
    void theRunIdStaysWhenSettingsChange() {
        JobConfig c = JobConfig.of(minimal(), "test");
        assertEquals(c.runId(), c.with(Map.of("steps", "3")).runId());
        assertEquals("my-run.1", JobConfig.of(minimal("run_id", "my-run.1"), "test").runId());
    }

    @Test
    void isSerialisable() throws Exception {
        JobConfig c = JobConfig.of(minimal("steps", "7"), "test");
        Path f = tmp.resolve("c.ser");
        try (ObjectOutputStream out = new ObjectOutputStream(Files.newOutputStream(f))) {
            out.writeObject(c);
        }
        try (ObjectInputStream in = new ObjectInputStream(Files.newInputStream(f))) {
            JobConfig back = (JobConfig) in.readObject();
            assertEquals(c.maskedSettings(), back.maskedSettings());
            assertEquals(7, back.sampling().steps());
        }
    }

    @Test
    void everyBadSettingIsNamed() {
        assertEquals("job file j: missing required key 'model' (a diffusers VQ-Diffusion model folder with model_index.json)",
                assertThrows(JobException.class, () -> JobConfig.of(Map.of("input", "i", "output", "o"), "job file j")).getMessage());
        assertEquals("job file j: unknown key 'step' (known keys: " + String.join(", ", JobConfig.DEFAULTS.keySet())
                + ", and any spark.* key)", error("step", "3"));
        assertTrue(JobConfig.DEFAULTS.keySet().containsAll(java.util.List.of("input", "output", "model", "steps",
                "guidance_scale", "truncation_rate", "noise", "infer_speed", "prior_rule", "prior_weight", "num_images")),
                "every per-image setting with a job key is a key: " + JobConfig.DEFAULTS.keySet());
        assertEquals("job file j: steps: 'many' is not a whole number (at least 1, at most the model's "
                + "num_train_timesteps)", error("steps", "many"));
        assertEquals("job file j: steps 0 is out of range (at least 1, at most the model's num_train_timesteps)",
                error("steps", "0"));
        assertEquals("job file j: guidance_scale: 'high' is not a number (a finite number >= 0)",
                error("guidance_scale", "high"));
        assertEquals("job file j: guidance_scale -1.0 is out of range (a finite number >= 0)",
                error("guidance_scale", "-1"));
        assertEquals("job file j: truncation_rate 1.5 is out of range (in (0, 1])", error("truncation_rate", "1.5"));
        assertEquals("job file j: infer_speed 0.0 is out of range (in (0, 10])", error("infer_speed", "0"));
        assertEquals("job file j: prior_rule 5 is out of range (0, 1 or 2)", error("prior_rule", "5"));
        assertEquals("job file j: prior_weight -0.5 is out of range (a finite number >= 0)", error("prior_weight", "-0.5"));
        assertEquals("job file j: noise: 'random' is not per-image or reference", error("noise", "random"));
        assertEquals("job file j: batch_size: 0 is out of range (1..2147483647)", error("batch_size", "0"));
        assertEquals("job file j: num_images 2000 is out of range (1..1024)", error("num_images", "2000"));
        assertEquals("job file j: run_seed: cannot use 'x' (For input string: \"x\")", error("run_seed", "x"));
        assertEquals("job file j: device: 'tpu' is not valid (expected auto, cpu, gpu or gpu:N)", error("device", "tpu"));
        assertEquals("job file j: dtype: unknown dtype 'int8' (expected float32 or float16)", error("dtype", "int8"));
        assertEquals("job file j: dtype: dtype 'bfloat16': " + io.vqgen.pipeline.PipelineOptions.NO_BFLOAT16, error("dtype", "bfloat16"));
        assertEquals("job file j: inline_images: 'yes' is not valid (expected true or false)", error("inline_images", "yes"));
        assertTrue(error("run_id", "../x").startsWith("job file j: run_id: '../x' is not valid (expected letters, digits"));
        assertEquals("job file j: id_column and prompt_column are both 'text'", error("id_column", "text", "prompt_column", "text"));
    }

    @Test
    void badJobFilesAndOverridesAreNamed() throws IOException {
        Path missing = tmp.resolve("nope.properties");
        assertEquals("job file " + missing + ": not found",
                assertThrows(JobException.class, () -> JobConfig.load(missing, List.of())).getMessage());
        Path file = Files.writeString(tmp.resolve("j.properties"), "input=i\noutput=o\nmodel=m\n");
        assertEquals("--set: an argument of 5 characters without '=' (expected key=value; the argument is not shown: it may hold a secret)",
                assertThrows(JobException.class, () -> JobConfig.load(file, List.of("steps"))).getMessage());
        assertEquals("job file " + file + " with --set: steps: 'x' is not a whole number (at least 1, at most the "
                        + "model's num_train_timesteps)",
                assertThrows(JobException.class, () -> JobConfig.load(file, List.of("steps=x"))).getMessage());
    }

    @Test
    void theGeneratorClassMustExistAndBeAFactory() {
        assertEquals("generator: class no.such.Factory not found on the class path",
                assertThrows(JobException.class, () -> GeneratorFactory.named("no.such.Factory")).getMessage());
        assertEquals("generator: java.lang.String does not implement io.vqgen.job.GeneratorFactory",
                assertThrows(JobException.class, () -> GeneratorFactory.named("java.lang.String")).getMessage());
        assertTrue(GeneratorFactory.named(FakeGeneratorFactory.class.getName()) instanceof FakeGeneratorFactory);
    }
}
