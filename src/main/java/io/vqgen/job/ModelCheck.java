package io.vqgen.job;

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
    private static final String CLASS_TRANSFORMER = "VQDiffusionClassTransformer";

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
        } catch (WeightsException e) {
            throw new JobException("model: " + e.getMessage(), e);
        } catch (IOException e) {
            throw new JobException("model " + model + ": cannot be read (" + ErrorText.of(e) + ")", e);
        }
    }

    private static ModelCheck check(String model, ModelLocation location, Path dir, ModelFiles files) throws IOException {
        ModelFolder folder = ModelFolder.open(dir).checkPipelineClass();
        int classes = 0;
        if (folder.hasComponent("transformer")
                && CLASS_TRANSFORMER.equals(folder.config("transformer").path("_class_name").asText())) {
            classes = folder.config("transformer").path("num_classes").asInt(0);
            if (classes < 1) {
                throw new JobException("model " + model + ": the class-conditional transformer's config has no "
                        + "positive num_classes");
            }
        }
        int timesteps = folder.config("scheduler").path("num_train_timesteps").asInt(0);
        if (timesteps < 1) {
            throw new JobException("model " + model + ": scheduler config has no positive num_train_timesteps");
        }
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
