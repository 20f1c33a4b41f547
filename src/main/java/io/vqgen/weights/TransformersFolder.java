package io.vqgen.weights;

import com.fasterxml.jackson.databind.JsonNode;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * A Hugging Face transformers model folder as {@code save_pretrained} writes it and the hub serves it: one
 * {@code config.json}, the weights ({@code model.safetensors}, {@code pytorch_model.bin} or their shards), and
 * whatever else the model ships beside them (tokenizer files, {@code preprocessor_config.json}).
 */
public final class TransformersFolder {
    private final Path dir;
    private final ComponentConfig config;

    private TransformersFolder(Path dir, ComponentConfig config) {
        this.dir = dir;
        this.config = config;
    }

    /** @param what the kind of model expected, for messages (e.g. "a transformers CLIPModel folder") */
    public static TransformersFolder open(Path dir, String what) {
        Path abs = dir.toAbsolutePath().normalize();
        if (!Files.isDirectory(abs)) {
            throw new WeightsException(abs + ": model folder not found (expected " + what + ": config.json and "
                    + "model.safetensors or pytorch_model.bin)");
        }
        Path file = abs.resolve("config.json");
        if (!Files.isRegularFile(file)) {
            throw new WeightsException(file + ": missing (expected " + what + ")");
        }
        return new TransformersFolder(abs, new ComponentConfig(file.toString(), ModelFolder.readJson(file)));
    }

    public Path dir() {
        return dir;
    }

    /** config.json, to read with its reference class's defaults. */
    public ComponentConfig config() {
        return config;
    }

    /** Another JSON file of the folder (e.g. preprocessor_config.json), or null when it is absent. */
    public JsonNode optionalJson(String name) {
        Path file = dir.resolve(name);
        if (!Files.isRegularFile(file)) {
            return null;
        }
        JsonNode node = ModelFolder.readJson(file);
        if (node == null || !node.isObject()) {
            throw new WeightsException(file + ": expected a JSON object");
        }
        return node;
    }

    public WeightFiles weightFiles(String variant) {
        return WeightFiles.find(dir, "model", variant);
    }

    /** All the model's weights; {@code component} names them in messages. */
    public StateDict weights(String component, LoadOptions options) {
        return new StateDict(component, weightFiles(options.variant()).readTensors(), options);
    }
}
