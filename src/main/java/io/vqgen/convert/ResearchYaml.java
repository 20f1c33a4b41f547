package io.vqgen.convert;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;

/**
 * A research-release YAML file (configs/*.yaml, the taming codec yamls) read as plain data, with typed lookups by
 * dotted key path whose errors name the file and the key. The release writes some lists as {@code !!python/tuple};
 * they are read as the lists they are (OmegaConf does the same); no tag ever constructs anything.
 */
final class ResearchYaml {
    private static final YAMLMapper YAML = new YAMLMapper();

    private final Path file;
    private final JsonNode root;

    private ResearchYaml(Path file, JsonNode root) {
        this.file = file;
        this.root = root;
    }

    static ResearchYaml read(Path file, String what) {
        try {
            JsonNode root = YAML.readTree(Files.readAllBytes(file));
            if (root == null || !root.isObject()) {
                throw new ConversionException(file + ": expected a YAML mapping (" + what + ")");
            }
            return new ResearchYaml(file, root);
        } catch (NoSuchFileException e) {
            throw new ConversionException(file + ": file not found (" + what + ")");
        } catch (IOException e) {
            throw new ConversionException(file + ": not readable as YAML (" + what + "): " + e.getMessage(), e);
        }
    }

    Path file() {
        return file;
    }

    /** The node at a dotted path, or a missing node. */
    JsonNode at(String path) {
        JsonNode n = root;
        for (String part : path.split("\\.")) {
            n = n.path(part);
        }
        return n;
    }

    boolean has(String path) {
        JsonNode n = at(path);
        return !n.isMissingNode() && !n.isNull();
    }

    String string(String path) {
        JsonNode n = require(path, "a string");
        if (!n.isTextual()) {
            throw bad(path, "a string", n);
        }
        return n.asText();
    }

    int integer(String path) {
        JsonNode n = require(path, "an integer");
        if (!n.isIntegralNumber() || !n.canConvertToInt()) {
            throw bad(path, "an integer", n);
        }
        return n.asInt();
    }

    int integerOr(String path, int fallback) {
        return has(path) ? integer(path) : fallback;
    }

    boolean booleanOr(String path, boolean fallback) {
        if (!has(path)) {
            return fallback;
        }
        JsonNode n = at(path);
        if (!n.isBoolean()) {
            throw bad(path, "true or false", n);
        }
        return n.asBoolean();
    }

    String stringOr(String path, String fallback) {
        return has(path) ? string(path) : fallback;
    }

    int[] integers(String path) {
        JsonNode n = require(path, "a list of integers");
        if (!n.isArray()) {
            throw bad(path, "a list of integers", n);
        }
        int[] out = new int[n.size()];
        for (int i = 0; i < out.length; i++) {
            if (!n.get(i).isIntegralNumber()) {
                throw bad(path, "a list of integers", n);
            }
            out[i] = n.get(i).asInt();
        }
        return out;
    }

    /** A list of integers, or a single integer read as a one-element list (taming accepts both for attn_resolutions). */
    int[] integersOrOne(String path) {
        JsonNode n = at(path);
        return n.isIntegralNumber() ? new int[] {n.asInt()} : integers(path);
    }

    private JsonNode require(String path, String expected) {
        JsonNode n = at(path);
        if (n.isMissingNode() || n.isNull()) {
            throw new ConversionException(file + ": missing key '" + path + "' (expected " + expected + ")");
        }
        return n;
    }

    private ConversionException bad(String path, String expected, JsonNode found) {
        return new ConversionException(file + ": key '" + path + "' must be " + expected + ", found " + found);
    }
}
