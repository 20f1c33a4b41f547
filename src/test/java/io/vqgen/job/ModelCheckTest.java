package io.vqgen.job;

import org.apache.hadoop.conf.Configuration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** The driver's model check reads the scheduler config as the pipeline does: same defaults, same refusals. */
class ModelCheckTest {
    @TempDir
    Path tmp;

    private Path model(String schedulerConfig) throws IOException {
        Path dir = JobTestSupport.model(tmp.resolve("m"));
        Files.writeString(dir.resolve("scheduler/scheduler_config.json"), schedulerConfig);
        return dir;
    }

    @Test
    void readsTheTrainingStepsAndTheirDefault() throws IOException {
        assertEquals(250, local(model("{\"num_vec_classes\": 12, \"num_train_timesteps\": 250}")).limits().maxSteps());
        assertEquals(100, local(model("{\"num_vec_classes\": 12}")).limits().maxSteps(),
                "absent: diffusers' default, as generate uses it");
        assertEquals(100, local(model("{\"num_train_timesteps\": null}")).limits().maxSteps());
    }

    @Test
    void refusesWhatThePipelineWouldRefuse() throws IOException {
        Path file = tmp.resolve("m/scheduler/scheduler_config.json").toAbsolutePath().normalize();
        assertEquals("model: " + file + ": key 'num_train_timesteps' must be an integer ≥ 2, found 1",
                refused(model("{\"num_train_timesteps\": 1}")));
        assertEquals("model: " + file + ": key 'num_train_timesteps' must be an integer ≥ 2, found \"100\"",
                refused(model("{\"num_train_timesteps\": \"100\"}")));
        assertEquals("model: " + file + ": _class_name is \"DDPMScheduler\", expected 'VQDiffusionScheduler'",
                refused(model("{\"_class_name\": \"DDPMScheduler\"}")));
        assertEquals("model: " + file + ": expected a JSON object", refused(model("[100]")));
    }

    private static String refused(Path model) {
        return assertThrows(JobException.class, () -> ModelCheck.of(model.toString(), new Configuration())).getMessage();
    }

    private static ModelCheck local(Path model) {
        return ModelCheck.of(model.toString(), new Configuration());
    }
}
