package io.vqgen.cli;

import org.apache.hadoop.conf.Configuration;

import java.util.Map;

/** Hadoop settings given on the command line ({@code --conf key=value}), with job-file keys accepted as they are. */
final class HadoopSettings {
    private static final String SPARK_HADOOP = "spark.hadoop.";

    private HadoopSettings() {
    }

    /** A configuration with the given keys set; a {@code spark.hadoop.} prefix is dropped, as Spark does. */
    static Configuration of(Map<String, String> settings) {
        Configuration c = new Configuration();
        settings.forEach((k, v) -> c.set(k.startsWith(SPARK_HADOOP) ? k.substring(SPARK_HADOOP.length()) : k, v));
        return c;
    }
}
