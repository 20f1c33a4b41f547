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

/** A diffusers pipeline folder: model_index.json, one sub-folder per component with its config and weights. */
public final class ModelFolder {
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
        return new ModelFolder(abs, readJson(index));
    }

    public Path dir() {
        return dir;
    }

    public JsonNode modelIndex() {
        return modelIndex;
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

    public Path componentDir(String component) {
        return dir.resolve(component);
    }

    public boolean hasComponent(String component) {
        return Files.isDirectory(componentDir(component));
    }

    /** The component's config.json (scheduler: scheduler_config.json). */
    public JsonNode config(String component) {
        Path cdir = componentDir(component);
        Path file = cdir.resolve("config.json");
        if (!Files.isRegularFile(file) && Files.isRegularFile(cdir.resolve("scheduler_config.json"))) {
            file = cdir.resolve("scheduler_config.json");
        }
        if (!Files.isRegularFile(file)) {
            throw new WeightsException(file + ": missing (component '" + component + "' needs its config.json)");
        }
        return readJson(file);
    }

    /** The component's weights, from its single .safetensors file. */
    public StateDict weights(String component, LoadOptions options) {
        Path cdir = componentDir(component);
        List<Path> files;
        try (var stream = Files.list(cdir)) {
            files = stream.filter(p -> p.getFileName().toString().endsWith(".safetensors")).sorted().toList();
        } catch (IOException e) {
            throw new WeightsException(cdir + ": cannot list component folder: " + e.getMessage(), e);
        }
        if (files.size() != 1) {
            throw new WeightsException(cdir + ": expected one .safetensors weight file, found " + files.size());
        }
        try (SafetensorsFile f = SafetensorsFile.open(files.get(0))) {
            return new StateDict(component, f.tensors(), options);
        }
    }

    static JsonNode readJson(Path file) {
        try {
            return JSON.readTree(file.toFile());
        } catch (IOException e) {
            throw new WeightsException(file + ": not valid JSON: " + e.getMessage(), e);
        }
    }
}
