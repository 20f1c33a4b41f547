package io.vqgen.weights;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** A diffusers pipeline folder: model_index.json, one sub-folder per component with its config and weights. */
public final class ModelFolder {
    /** The learned classifier-free guidance embeddings; may be absent, see {@link #isOptional}. */
    public static final String CF_EMBEDDINGS = "learned_classifier_free_sampling_embeddings";
    private static final ObjectMapper JSON = new ObjectMapper();

    private final Path dir;
    private final JsonNode modelIndex;

    private ModelFolder(Path dir, JsonNode modelIndex) {
        this.dir = dir;
        this.modelIndex = modelIndex;
    }

    public static ModelFolder open(Path dir) {
        Path abs = dir.toAbsolutePath().normalize();
        if (!Files.isDirectory(abs)) {
            throw new WeightsException(abs + ": model folder not found (expected a diffusers pipeline folder with model_index.json)");
        }
        Path index = abs.resolve("model_index.json");
        if (!Files.isRegularFile(index)) {
            throw new WeightsException(index + ": missing (expected a diffusers pipeline folder with model_index.json)");
        }
        JsonNode root = readJson(index);
        if (root == null || !root.isObject()) {
            throw new WeightsException(index + ": expected a JSON object naming the pipeline's components");
        }
        return new ModelFolder(abs, root);
    }

    public Path dir() {
        return dir;
    }

    public JsonNode modelIndex() {
        return modelIndex;
    }

    /** The only pipeline class vqgen runs (the research release's models convert to it too). */
    public static final String PIPELINE = "VQDiffusionPipeline";

    /**
     * @throws WeightsException when model_index.json names another pipeline (say a Stable Diffusion folder): its
     *                          components would load as VQ-Diffusion ones and fail somewhere less clear
     */
    public ModelFolder checkPipelineClass() {
        if (!PIPELINE.equals(pipelineClass())) {
            throw new WeightsException(dir.resolve("model_index.json") + ": names pipeline '" + pipelineClass()
                    + "', expected " + PIPELINE + " (a VQ-Diffusion model folder)");
        }
        return this;
    }

    /** The pipeline class named by model_index.json, e.g. "VQDiffusionPipeline". */
    public String pipelineClass() {
        return modelIndex.path("_class_name").asText("");
    }

    /** Components listed in model_index.json: name → [library, class]. */
    public Map<String, List<String>> components() {
        Map<String, List<String>> out = new LinkedHashMap<>();
        modelIndex.fields().forEachRemaining(e -> {
            if (!e.getKey().startsWith("_") && e.getValue().isArray()) {
                List<String> parts = new ArrayList<>();
                e.getValue().forEach(v -> parts.add(v.isNull() ? null : v.asText()));
                out.put(e.getKey(), parts);
            }
        });
        return out;
    }

    /** Components listed in model_index.json (with a class, not [null, null]) whose folder is absent; see {@link #isOptional}. */
    public List<String> missingComponents() {
        return components().entrySet().stream()
                .filter(e -> e.getValue().size() == 2 && e.getValue().get(1) != null && !hasComponent(e.getKey()))
                .map(Map.Entry::getKey).toList();
    }

    /**
     * Whether the pipeline can run without this component: the hub's fp16 branch of microsoft/vq-diffusion-ithq
     * has no learned classifier-free embeddings (diffusers issue 1530); the pipeline then encodes the empty prompt.
     */
    public static boolean isOptional(String component) {
        return CF_EMBEDDINGS.equals(component);
    }

    public Path componentDir(String component) {
        if (component.isEmpty() || component.contains("/") || component.contains("\\") || component.startsWith(".")) {
            throw new WeightsException(dir + ": invalid component name '" + component + "' (expected a sub-folder name)");
        }
        return dir.resolve(component);
    }

    public boolean hasComponent(String component) {
        return Files.isDirectory(componentDir(component));
    }

    /** The component's config.json (scheduler: scheduler_config.json), to read with its reference class's defaults. */
    public ComponentConfig config(String component) {
        Path cdir = existingComponentDir(component);
        Path file = cdir.resolve("config.json");
        if (!Files.isRegularFile(file) && Files.isRegularFile(cdir.resolve("scheduler_config.json"))) {
            file = cdir.resolve("scheduler_config.json");
        }
        if (!Files.isRegularFile(file)) {
            throw new WeightsException(file + ": missing (component '" + component + "' needs its config.json)");
        }
        return new ComponentConfig(file.toString(), readJson(file));
    }

    /** Which files hold the component's weights (single file or shards), without reading them. */
    public WeightFiles weightFiles(String component, String variant) {
        return WeightFiles.find(existingComponentDir(component), component, variant);
    }

    /** The component's weights, from the files {@link #weightFiles} finds for {@code options.variant()}. */
    public StateDict weights(String component, LoadOptions options) {
        return new StateDict(component, weightFiles(component, options.variant()).readTensors(), options);
    }

    /**
     * The component's weights, or empty when its folder is absent (e.g. {@link #CF_EMBEDDINGS} on ITHQ's fp16
     * branch); a folder that exists but is broken still throws.
     */
    public Optional<StateDict> optionalWeights(String component, LoadOptions options) {
        return hasComponent(component) ? Optional.of(weights(component, options)) : Optional.empty();
    }

    private Path existingComponentDir(String component) {
        Path cdir = componentDir(component);
        if (!Files.isDirectory(cdir)) {
            throw new WeightsException(cdir + ": component folder '" + component + "' is missing"
                    + (components().containsKey(component) ? " (model_index.json lists it)" : ""));
        }
        return cdir;
    }

    static JsonNode readJson(Path file) {
        try {
            return JSON.readTree(file.toFile());
        } catch (IOException e) {
            throw new WeightsException(file + ": not valid JSON: " + e.getMessage(), e);
        }
    }
}
