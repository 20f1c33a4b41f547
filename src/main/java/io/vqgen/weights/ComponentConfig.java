package io.vqgen.weights;

import com.fasterxml.jackson.databind.JsonNode;

/** Typed reads from one component's config.json; a missing or mistyped required value is a WeightsException. */
public final class ComponentConfig {
    private final String component;
    private final JsonNode node;

    public ComponentConfig(String component, JsonNode node) {
        this.component = component;
        this.node = node;
    }

    public String component() {
        return component;
    }

    public JsonNode json() {
        return node;
    }

    public boolean has(String key) {
        return node.hasNonNull(key);
    }

    /** A required non-negative integer. */
    public long require(String key) {
        JsonNode v = node.get(key);
        if (v == null || v.isNull()) {
            throw new WeightsException(component + ": config.json lacks '" + key + "'");
        }
        if (!v.isIntegralNumber() || v.asLong() < 0) {
            throw new WeightsException(component + ": config.json '" + key + "' must be a non-negative integer, found " + v);
        }
        return v.asLong();
    }

    /** An optional integer: diffusers' default when absent or null (older configs lack newer keys). */
    public long optional(String key, long defaultValue) {
        return has(key) ? require(key) : defaultValue;
    }

    public boolean flag(String key, boolean defaultValue) {
        JsonNode v = node.get(key);
        if (v == null || v.isNull()) {
            return defaultValue;
        }
        if (!v.isBoolean()) {
            throw new WeightsException(component + ": config.json '" + key + "' must be true or false, found " + v);
        }
        return v.asBoolean();
    }

    public String text(String key, String defaultValue) {
        JsonNode v = node.get(key);
        if (v == null || v.isNull()) {
            return defaultValue;
        }
        if (!v.isTextual()) {
            throw new WeightsException(component + ": config.json '" + key + "' must be a string, found " + v);
        }
        return v.asText();
    }

    /** A required non-empty array of non-negative integers. */
    public long[] longs(String key) {
        JsonNode v = node.get(key);
        if (v == null || !v.isArray() || v.isEmpty()) {
            throw new WeightsException(component + ": config.json lacks '" + key + "' (a list of integers)");
        }
        long[] out = new long[v.size()];
        for (int i = 0; i < out.length; i++) {
            if (!v.get(i).isIntegralNumber() || v.get(i).asLong() < 0) {
                throw new WeightsException(component + ": config.json '" + key + "' must hold non-negative integers, found " + v);
            }
            out[i] = v.get(i).asLong();
        }
        return out;
    }
}
