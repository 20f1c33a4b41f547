package io.vqgen.job;

import org.apache.hadoop.conf.ConfigRedactor;
import org.apache.hadoop.conf.Configuration;

import java.util.Arrays;
import java.util.Map;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * Which settings are secrets, by Spark's and Hadoop's own rules rather than a list of our own: Spark's
 * {@code spark.redaction.regex} (its default, or the job's), matched against a {@code spark.*} key or its value as
 * Spark does, and Hadoop's {@code hadoop.security.sensitive-config-keys} (core-default.xml's list, or the job's
 * {@code spark.hadoop.hadoop.security.sensitive-config-keys}) through Hadoop's {@link ConfigRedactor}, matched against
 * the key without its {@code spark.hadoop.} prefix. Secrets are written as {@value #MASK} wherever vqgen prints or
 * writes settings, and {@link #sparkRegex()} makes Spark's event log and UI redact the same keys.
 */
final class Redaction {
    static final String MASK = "****";
    /** Spark's default {@code spark.redaction.regex}. */
    static final String SPARK_DEFAULT = "(?i)secret|password|token|access[.]?key";
    private static final String SPARK_HADOOP = "spark.hadoop.";
    private static final String HADOOP_KEYS = "hadoop.security.sensitive-config-keys";

    private final Pattern spark;
    private final ConfigRedactor hadoop;
    private final String hadoopKeys;

    Redaction(Map<String, String> settings) {
        this.spark = Pattern.compile(settings.getOrDefault("spark.redaction.regex", SPARK_DEFAULT));
        Configuration conf = new Configuration();
        String own = settings.get(SPARK_HADOOP + HADOOP_KEYS);
        if (own != null) {
            conf.set(HADOOP_KEYS, own);
        }
        this.hadoop = new ConfigRedactor(conf);
        this.hadoopKeys = conf.get(HADOOP_KEYS, "");
    }

    boolean isSecret(String key, String value) {
        if (spark.matcher(key).find() || (key.startsWith("spark.") && value != null && spark.matcher(value).find())) {
            return true;
        }
        String hadoopKey = key.startsWith(SPARK_HADOOP) ? key.substring(SPARK_HADOOP.length()) : key;
        return !"x".equals(hadoop.redact(hadoopKey, "x"));
    }

    /**
     * Spark's redaction regex with Hadoop's sensitive keys added (Spark redacts a conf entry when its key or value
     * matches): what the job's session runs with unless the job sets {@code spark.redaction.regex} itself.
     */
    String sparkRegex() {
        String keys = Arrays.stream(hadoopKeys.split("[,\\s]+")).map(String::strip).filter(k -> !k.isEmpty())
                .collect(Collectors.joining("|"));
        return keys.isEmpty() ? spark.pattern() : spark.pattern() + "|" + keys;
    }
}
