package io.vqgen.job;

import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.core.LoggerContext;
import org.apache.logging.log4j.core.config.ConfigurationSource;
import org.apache.logging.log4j.core.config.Configurator;

import java.net.URISyntaxException;
import java.net.URL;
import java.nio.file.Path;

/**
 * The command line's logging ({@value #CONFIG}): the console shows vqgen's own progress and one line per error, the
 * whole story (Spark's and Hadoop's messages, stack traces) goes to a log file, {@code -Dvqgen.log.file} or
 * vqgen-USER.log in the temporary folder. {@code vqgen} selects it before anything logs; the spark-submit entry points
 * ({@link GenerateJob}, {@link EvalJob}) switch to it when nobody chose a logging configuration: the one in effect is
 * the default that vqgen's jar or Spark ships. An operator's choice is kept: a named file
 * ({@code -Dlog4j2.configurationFile}, {@code LOG4J_CONFIGURATION_FILE}, as the deploy kit does to keep everything in
 * the pod log) or a log4j2.properties in Spark's conf folder, which comes first on the class path.
 */
public final class CommandLineLogging {
    /** The system property naming the log file. */
    public static final String LOG_FILE = "vqgen.log.file";
    private static final String CONFIG = "log4j2-cli.properties";

    private CommandLineLogging() {
    }

    /** For {@code vqgen}'s main, before anything logs. */
    public static void select() {
        System.setProperty("log4j2.configurationFile", CONFIG);
        System.setProperty(LOG_FILE, logFile());
    }

    /**
     * For a main that spark-submit calls after it has set up logging: the command line's logging, unless the user
     * chose a configuration ({@code -Dlog4j2.configurationFile}, {@code LOG4J_CONFIGURATION_FILE}).
     */
    static void selectUnlessConfigured() {
        if (System.getProperty("log4j2.configurationFile") != null || System.getProperty("log4j.configurationFile") != null
                || System.getenv("LOG4J_CONFIGURATION_FILE") != null || !defaultInEffect()) {
            return;
        }
        System.setProperty(LOG_FILE, logFile());
        URL config = CommandLineLogging.class.getResource("/" + CONFIG);
        try {
            Configurator.reconfigure(config.toURI());
        } catch (URISyntaxException e) {
            throw new IllegalStateException("cannot name " + config, e);
        }
    }

    /** Whether the logging configuration in effect is a shipped default: vqgen's log4j2.properties, Spark's, log4j's. */
    private static boolean defaultInEffect() {
        ConfigurationSource source = ((LoggerContext) LogManager.getContext(false)).getConfiguration()
                .getConfigurationSource();
        if (source.getURI() == null) {
            return true; // log4j's built-in default: no file was found
        }
        String location = source.getURI().toString();
        URL ours = CommandLineLogging.class.getProtectionDomain().getCodeSource().getLocation();
        String shipped = ours.toString().endsWith(".jar") ? "jar:" + ours + "!/log4j2.properties"
                : ours + "log4j2.properties";
        return location.equals(shipped) || location.endsWith("org/apache/spark/log4j2-defaults.properties");
    }

    /** Where the log file is: -Dvqgen.log.file, else vqgen-USER.log in the temporary folder. */
    public static String logFile() {
        return System.getProperty(LOG_FILE, Path.of(System.getProperty("java.io.tmpdir"),
                "vqgen-" + System.getProperty("user.name", "user") + ".log").toString());
    }

    /** " (details in FILE)" when this JVM logs to the command line's file, else empty. */
    static String detailsHint() {
        String file = System.getProperty(LOG_FILE);
        return file == null ? "" : " (details in " + file + ")";
    }
}
