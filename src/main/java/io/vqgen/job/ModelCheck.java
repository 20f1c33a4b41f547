package io.vqgen.job;

import io.vqgen.diffusion.VqDiffusionScheduler;
import io.vqgen.weights.ModelFolder;
import io.vqgen.weights.WeightsException;

import java.net.URI;
import java.nio.file.Path;

/**
 * The driver's check of the model folder before any Spark work: a local diffusers folder with
 * model_index.json and a scheduler config that says how many steps the sampler can take. Executors load it
 * from the same path, so on a cluster it must be on every node (a shared mount or the container image).
 *
 * @param dir            the folder, absolute
 * @param trainTimesteps the scheduler's num_train_timesteps, the upper bound of {@code steps}
 */
record ModelCheck(Path dir, int trainTimesteps) {

    static ModelCheck of(String model) {
        Path dir;
        if (model.startsWith("file:")) {
            dir = Path.of(URI.create(model));
        } else if (model.matches("[A-Za-z][A-Za-z0-9+.-]+:/.*")) {
            throw new JobException("model " + model + ": must be a local folder (copy the model to every executor's"
                    + " disk or a shared mount and give that path)");
        } else {
            dir = Path.of(model);
        }
        dir = dir.toAbsolutePath().normalize();
        try {
            ModelFolder folder = ModelFolder.open(dir);
            // read as the pipeline reads it: diffusers' default of 100 when absent, the same refusals
            return new ModelCheck(dir, VqDiffusionScheduler.numTrainTimesteps(folder.config("scheduler")));
        } catch (WeightsException e) {
            throw new JobException("model: " + e.getMessage(), e);
        }
    }
}
