package io.vqgen.job;

import io.vqgen.pipeline.GenerationSetting;
import io.vqgen.pipeline.PipelineException;
import io.vqgen.pipeline.PipelineOptions;

import java.util.Map;
import java.util.function.Function;
import java.util.regex.Pattern;

/** Typed access to a job's merged settings, every failure naming the key and what was expected. */
record JobValues(Map<String, String> s, String source) {
    String required(String key, String what) {
        String v = s.get(key);
        if (v == null || v.isEmpty()) {
            throw new JobException(source + ": missing required key '" + key + "' (" + what + ")");
        }
        return v;
    }

    <T> T parse(String key, Function<String, T> parser) {
        String v = s.get(key);
        try {
            return parser.apply(v);
        } catch (IllegalArgumentException e) {
            throw new JobException(source + ": " + key + ": cannot use '" + v + "' (" + e.getMessage() + ")");
        }
    }

    int integer(String key, int min, int max) {
        String v = s.get(key);
        int n;
        try {
            n = Integer.parseInt(v);
        } catch (NumberFormatException e) {
            throw new JobException(source + ": " + key + ": expected an integer, got '" + v + "'");
        }
        if (n < min || n > max) {
            throw new JobException(source + ": " + key + ": " + n + " is out of range (" + min + ".." + max + ")");
        }
        return n;
    }

    /** A per-image generation setting, parsed and range-checked by its table entry. */
    Object setting(GenerationSetting setting) {
        try {
            return setting.parse(s.get(setting.key()));
        } catch (PipelineException e) {
            throw new JobException(source + ": " + e.getMessage());
        }
    }

    double nonNegative(String key) {
        String v = s.get(key);
        double d;
        try {
            d = Double.parseDouble(v);
        } catch (NumberFormatException e) {
            throw new JobException(source + ": " + key + ": expected a number, got '" + v + "'");
        }
        if (!(d >= 0) || Double.isInfinite(d)) {
            throw new JobException(source + ": " + key + ": " + v + " is out of range (a finite number >= 0)");
        }
        return d;
    }

    String dtype(String key) {
        String v = s.get(key);
        try {
            new PipelineOptions("cpu", v);
            return v;
        } catch (RuntimeException e) {
            throw new JobException(source + ": " + key + ": " + e.getMessage());
        }
    }

    String matching(String key, Pattern pattern, String expected) {
        String v = s.get(key);
        if (!pattern.matcher(v).matches()) {
            throw new JobException(source + ": " + key + ": '" + v + "' is not valid (expected " + expected + ")");
        }
        return v;
    }
}
