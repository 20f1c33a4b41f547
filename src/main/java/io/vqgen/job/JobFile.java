package io.vqgen.job;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;

/**
 * The conventions every vqgen job file follows ({@code run}, {@code eval}): a Java {@code .properties} file,
 * {@code --set key=value} overrides applied in order, unknown keys refused (naming the known ones), {@code spark.*}
 * keys passed to Spark, credential-like values masked wherever settings are printed or written.
 */
public final class JobFile {
    private static final List<String> SECRET_MARKERS = List.of("secret", "password", "token", "access.key");

    private JobFile() {
    }

    /** The job file's keys (sorted) with the overrides applied in order. */
    public static Map<String, String> read(Path jobFile, List<String> overrides) {
        Properties props = new Properties();
        try (java.io.Reader in = Files.newBufferedReader(jobFile, StandardCharsets.UTF_8)) {
            props.load(in);
        } catch (NoSuchFileException e) {
            throw new JobException("job file " + jobFile + ": not found");
        } catch (IOException | IllegalArgumentException e) {
            throw new JobException("job file " + jobFile + ": cannot be read (" + e.getMessage() + ")");
        }
        Map<String, String> raw = new LinkedHashMap<>();
        props.stringPropertyNames().stream().sorted().forEach(k -> raw.put(k, props.getProperty(k)));
        for (String o : overrides) {
            int eq = o.indexOf('=');
            if (eq <= 0) {
                throw new JobException("--set '" + o + "': expected key=value");
            }
            raw.put(o.substring(0, eq).strip(), o.substring(eq + 1));
        }
        return raw;
    }

    /** How messages name the settings' origin. */
    public static String source(Path jobFile, List<String> overrides) {
        return overrides.isEmpty() ? "job file " + jobFile : "job file " + jobFile + " with --set";
    }

    /** The defaults with the given keys on top (values stripped); a key that is neither known nor spark.* is an error. */
    public static Map<String, String> merge(Map<String, String> defaults, Map<String, String> raw, String source) {
        Map<String, String> s = new LinkedHashMap<>(defaults);
        raw.forEach((k, v) -> {
            if (!k.startsWith("spark.") && !defaults.containsKey(k)) {
                throw new JobException(source + ": unknown key '" + k + "' (known keys: "
                        + String.join(", ", defaults.keySet()) + ", and any spark.* key)");
            }
            s.put(k, v.strip());
        });
        return s;
    }

    /** The keys not starting with {@code prefix}: what a job reads of a file that also describes another job. */
    public static Map<String, String> without(String prefix, Map<String, String> raw) {
        Map<String, String> out = new LinkedHashMap<>();
        raw.forEach((k, v) -> {
            if (!k.startsWith(prefix)) {
                out.put(k, v);
            }
        });
        return out;
    }

    public static boolean isSecret(String key) {
        String k = key.toLowerCase(Locale.ROOT);
        return SECRET_MARKERS.stream().anyMatch(k::contains);
    }

    /** All settings, values of credential-like keys replaced by {@code ****}: safe to log and to write. */
    public static Map<String, String> masked(Map<String, String> settings) {
        Map<String, String> out = new LinkedHashMap<>();
        settings.forEach((k, v) -> out.put(k, isSecret(k) ? "****" : v));
        return out;
    }

    /** Every {@code spark.*} key, for the Spark configuration. */
    public static Map<String, String> sparkSettings(Map<String, String> settings) {
        Map<String, String> out = new TreeMap<>();
        settings.forEach((k, v) -> {
            if (k.startsWith("spark.")) {
                out.put(k, v);
            }
        });
        return out;
    }

    /** {@code <UTC time>-<4 hex>}. */
    public static String newRunId() {
        byte[] suffix = new byte[2];
        new SecureRandom().nextBytes(suffix);
        return DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss'Z'").format(ZonedDateTime.now(ZoneOffset.UTC))
                + "-" + HexFormat.of().formatHex(suffix);
    }

    /**
     * A spark-submit main's arguments: JOBFILE [--set key=value …] and the main's own flags. {@code --conf} is an
     * alias of {@code --set} (a spark-submit habit).
     */
    public record Arguments(Path jobFile, List<String> overrides, java.util.Set<String> flags) {
        /**
         * @param flags the flags this main takes (e.g. --dry-run)
         * @return null after printing the usage line to {@code err}
         */
        public static Arguments parse(String main, String[] args, java.io.PrintWriter err, String... flags) {
            List<String> known = List.of(flags);
            String usage = "usage: " + main + " JOBFILE [--set key=value ...]"
                    + (known.isEmpty() ? "" : " [" + String.join("] [", known) + "]");
            List<String> overrides = new ArrayList<>();
            java.util.Set<String> given = new java.util.LinkedHashSet<>();
            String jobFile = null;
            for (int i = 0; i < args.length; i++) {
                if ((args[i].equals("--set") || args[i].equals("--conf")) && i + 1 < args.length) {
                    overrides.add(args[++i]);
                } else if (args[i].startsWith("--set=") || args[i].startsWith("--conf=")) {
                    overrides.add(args[i].substring(args[i].indexOf('=') + 1));
                } else if (known.contains(args[i])) {
                    given.add(args[i]);
                } else if (jobFile == null && !args[i].startsWith("-")) {
                    jobFile = args[i];
                } else {
                    err.println(usage + " (unexpected '" + args[i] + "')");
                    return null;
                }
            }
            if (jobFile == null) {
                err.println(usage);
                return null;
            }
            return new Arguments(Path.of(jobFile), overrides, given);
        }
    }
}
