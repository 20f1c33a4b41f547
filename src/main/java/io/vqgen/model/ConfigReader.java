package io.vqgen.model;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * Typed reads of one component's config.json. Keys that set tensor shapes are required; behaviour
 * flags fall back to the upstream default when absent. Errors name the config and the key.
 */
public final class ConfigReader {
    private final String source;
    private final JsonNode node;

    /** @param source what the config is, for messages, e.g. "transformer/config.json" */
    public ConfigReader(String source, JsonNode node) {
        if (node == null || !node.isObject()) {
            throw new ModelException(source + ": expected a JSON object");
        }
        this.source = source;
        this.node = node;
    }

    public String source() {
        return source;
    }

    public boolean isSet(String key) {
        return node.hasNonNull(key);
    }

    public int requireInt(String key) {
        if (!isSet(key)) {
            throw new ModelException(source + ": missing required key '" + key + "' (a positive integer)");
        }
        return positiveInt(key);
    }

    /** The integer value, or null when the key is absent or null. */
    public Integer optionalInt(String key) {
        return isSet(key) ? positiveInt(key) : null;
    }

    public double doubleOr(String key, double fallback) {
        if (!isSet(key)) {
            return fallback;
        }
        JsonNode v = node.get(key);
        if (!v.isNumber()) {
            throw new ModelException(source + ": key '" + key + "' must be a number, found " + v);
        }
        return v.asDouble();
    }

    public boolean booleanOr(String key, boolean fallback) {
        if (!isSet(key)) {
            return fallback;
        }
        JsonNode v = node.get(key);
        if (!v.isBoolean()) {
            throw new ModelException(source + ": key '" + key + "' must be true or false, found " + v);
        }
        return v.asBoolean();
    }

    public String stringOr(String key, String fallback) {
        if (!isSet(key)) {
            return fallback;
        }
        JsonNode v = node.get(key);
        if (!v.isTextual()) {
            throw new ModelException(source + ": key '" + key + "' must be a string, found " + v);
        }
        return v.asText();
    }

    /** Element {@code index} of the list under {@code key}, a positive integer. */
    public int requireIntAt(String key, int index) {
        JsonNode list = node.get(key);
        JsonNode v = list == null || !list.isArray() ? null : list.get(index);
        if (v == null || !v.canConvertToInt() || !v.isIntegralNumber() || v.asInt() <= 0) {
            throw new ModelException(source + ": key '" + key + "' must be a list of positive integers with an element "
                    + index + ", found " + list);
        }
        return v.asInt();
    }

    private int positiveInt(String key) {
        JsonNode v = node.get(key);
        if (!v.canConvertToInt() || !v.isIntegralNumber() || v.asInt() <= 0) {
            throw new ModelException(source + ": key '" + key + "' must be a positive integer, found " + v);
        }
        return v.asInt();
    }
}
