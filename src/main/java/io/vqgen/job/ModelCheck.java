package io.vqgen.job;

import io.vqgen.diffusion.VqDiffusionScheduler;
import io.vqgen.model.ClassTransformerConfig;
import io.vqgen.model.ModelException;
import io.vqgen.weights.ModelFiles;
import io.vqgen.weights.ModelFingerprint;
import io.vqgen.weights.ModelFolder;
import io.vqgen.weights.ModelLocation;
import io.vqgen.weights.ModelSkeleton;
import io.vqgen.weights.SafetensorsFile;
import io.vqgen.weights.WeightsException;
import org.apache.hadoop.conf.Configuration;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

/**
 * The driver's check of the model before any Spark work: a diffusers folder with model_index.json, a scheduler
 * config that says how many steps the sampler can take, and safetensors files whose headers fit their sizes. A
 * remote folder (s3a://, hdfs://) is checked through a {@link ModelSkeleton}: only its small files and weight
 * headers are read, never the weights themselves; executors copy it into their local cache when they load it.
 *
 * @param model          the model as the job names it: the absolute folder, or the remote URI as given
 * @param location       where it is
 * @param limits         what rows are checked against: the most steps, the class labels of a class model
 * @param fingerprint    the folder's {@link ModelFingerprint}: the manifest's model_fingerprint of what it makes
 */
record ModelCheck(String model, ModelLocation location, ModelLimits limits, String fingerprint) {
    static ModelCheck of(String model, Configuration conf) {
        ModelLocation location;
        try {
            location = ModelLocation.parse(model);
        } catch (WeightsException e) {
            throw new JobException(e.getMessage(), e);
        }
        try {
            ModelFiles files = location.files(conf);
            if (location.isRemote()) {
                try (ModelSkeleton skeleton = ModelSkeleton.of(files)) {
                    return check(model, location, skeleton.dir(), files);
                }
            }
            return check(location.local().toString(), location, location.local(), files);
        } catch (WeightsException | ModelException e) {
            throw new JobException("model: " + e.getMessage(), e);
        } catch (IOException e) {
            throw new JobException("model " + model + ": cannot be read (" + ErrorText.of(e) + ")", e);
        }
    }

    private static ModelCheck check(String model, ModelLocation location, Path dir, ModelFiles files) throws IOException {
        ModelFolder folder = ModelFolder.open(dir).checkPipelineClass();
        int classes = 0;
        if (folder.hasComponent("transformer")
                && ClassTransformerConfig.CLASS_NAME.equals(folder.config("transformer").declaredClass())) {
            // the labels the pipeline's class transformer takes, read as it reads them
            classes = ClassTransformerConfig.from(folder.config("transformer")).numClasses();
        }
        // read as the pipeline reads it: diffusers' default of 100 when absent, the same refusals
        int timesteps = VqDiffusionScheduler.numTrainTimesteps(folder.config("scheduler"));
        for (Path weights : safetensors(dir)) {
            SafetensorsFile.open(weights).close();
        }
        return new ModelCheck(model, location, new ModelLimits(timesteps, classes), ModelFingerprint.of(files));
    }

    private static List<Path> safetensors(Path dir) throws IOException {
        try (Stream<Path> walk = Files.walk(dir)) {
            return walk.filter(p -> p.getFileName().toString().endsWith(".safetensors")).sorted().toList();
        }
    }
}
