package io.vqgen.job;

import org.apache.logging.log4j.Level;
import org.apache.logging.log4j.core.config.Configurator;
import org.apache.spark.SparkConf;
import org.apache.spark.sql.SparkSession;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * The generation job's entry point, for {@code spark-submit --class io.vqgen.job.GenerateJob app.jar JOBFILE
 * [--set key=value …]} and for {@code vqgen run}. Without a Spark master (from spark-submit or a
 * {@code spark.master} key) it runs Spark in local mode on all cores.
 * Exit status: 0 the run finished (error rows included), 2 a bad job file, input, model or output
 * (one line on stderr), 1 the run failed.
 */
public final class GenerateJob {
    private static final Logger LOG = LoggerFactory.getLogger(GenerateJob.class);

    private static final java.util.regex.Pattern MASTER = java.util.regex.Pattern.compile(
            "local(\\[(\\*|\\d+)(,\\d+)?])?|local-cluster\\[\\d+, *\\d+, *\\d+]|spark://\\S+|yarn|k8s://\\S+");

    private GenerateJob() {
    }

    public static void main(String[] args) {
        CommandLineLogging.selectUnlessConfigured();
        System.exit(run(args, new PrintWriter(System.out, true), new PrintWriter(System.err, true)));
    }

    static int run(String[] args, PrintWriter out, PrintWriter err) {
        JobFile.Arguments a = JobFile.Arguments.parse("GenerateJob", args, err, "--dry-run", "--json");
        if (a == null) {
            return 2;
        }
        boolean dryRun = a.flags().contains("--dry-run");
        if (a.flags().contains("--json") && !dryRun) {
            err.println("usage: GenerateJob: --json goes with --dry-run");
            return 2;
        }
        Mode mode = dryRun ? (a.flags().contains("--json") ? Mode.JSON_DRY_RUN : Mode.DRY_RUN) : Mode.RUN;
        return run(a.jobFile(), a.overrides(), mode, out, err);
    }

    /** What to do with a job file. */
    public enum Mode {
        /** Generate; print where the results are. */
        RUN,
        /** Check and plan only ({@link DryRun}); print the plan. */
        DRY_RUN,
        /** {@link #DRY_RUN}, the plan printed as JSON. */
        JSON_DRY_RUN
    }

    /** Runs a job file; prints where the results are. */
    public static int run(Path jobFile, List<String> overrides, PrintWriter out, PrintWriter err) {
        return run(jobFile, overrides, Mode.RUN, out, err);
    }

    /** Runs or dry-runs a job file. */
    public static int run(Path jobFile, List<String> overrides, Mode mode, PrintWriter out, PrintWriter err) {
        JobConfig config;
        GeneratorFactory factory;
        try {
            config = JobConfig.load(jobFile, overrides);
            factory = GeneratorFactory.named(config.generator());
        } catch (JobException e) {
            err.println("vqgen run: " + e.getMessage());
            return 2;
        }
        boolean ownSession = SparkSession.getActiveSession().isEmpty() && SparkSession.getDefaultSession().isEmpty();
        SparkSession spark = null;
        try {
            spark = session(config, ownSession);
            if (mode != Mode.RUN) {
                DryRun plan = DryRun.of(spark, config);
                if (mode == Mode.JSON_DRY_RUN) {
                    out.println(plan.toJson());
                } else {
                    plan.describe().forEach(out::println);
                }
                return 0;
            }
            RunSummary summary = JobRunner.run(spark, config, factory);
            out.println(summary.describe());
            out.println("images:   " + summary.images() + "/");
            out.println("manifest: " + summary.manifest() + "/   (this run: run_id=" + summary.runId() + ")");
            out.println("summary:  " + summary.summary());
            return 0;
        } catch (Exception e) {
            JobException bad = JobRunner.jobException(e);
            if (bad != null) {
                err.println("vqgen run: " + bad.getMessage());
                return 2;
            }
            LOG.error("run {} failed", config.runId(), e);
            err.println("vqgen run: run " + config.runId() + " failed: " + JobRunner.failure(e, config.output())
                    + CommandLineLogging.detailsHint());
            return 1;
        } finally {
            if (ownSession && spark != null) {
                spark.stop();
            }
            GeneratorCache.closeAll();
        }
    }

    /**
     * The session for a job: spark-submit's settings, then the job's spark.* keys; local[*] without a master.
     * An existing session is reused as it is (only its runtime SQL settings can change).
     */
    static SparkSession session(JobConfig config, boolean quietLocalLogs) {
        return session(config.sparkSettings(), "vqgen " + config.runId(), quietLocalLogs);
    }

    /** As {@link #session(JobConfig, boolean)} for any job's spark.* settings. */
    static SparkSession session(Map<String, String> sparkSettings, String appName, boolean quietLocalLogs) {
        SparkConf conf = new SparkConf();
        sparkSettings.forEach(conf::set);
        // the event log and the UI then redact what vqgen's own logs and summaries mask
        conf.setIfMissing("spark.redaction.regex", new Redaction(sparkSettings).sparkRegex());
        if (conf.contains("spark.master") && !MASTER.matcher(conf.get("spark.master")).matches()) {
            throw new JobException("spark.master: '" + conf.get("spark.master") + "' is not a Spark master URL "
                    + "(expected local, local[*], local[N], spark://HOST:PORT, yarn or k8s://https://HOST:PORT)");
        }
        boolean local = !conf.contains("spark.master");
        if (local) {
            conf.setMaster("local[*]");
            // Spark's stage/task bar on a terminal, unless the job says otherwise; never in redirected logs
            conf.setIfMissing("spark.ui.showConsoleProgress", String.valueOf(System.console() != null));
        }
        if (!conf.contains("spark.app.name")) {
            conf.setAppName(appName);
        }
        SparkSession spark = SparkSession.builder().config(conf).getOrCreate();
        if (local && quietLocalLogs) {
            // A local run is a command-line tool: Spark's own INFO lines would bury the per-batch progress.
            spark.sparkContext().setLogLevel("WARN");
            Configurator.setLevel("io.vqgen", Level.INFO);
        }
        return spark;
    }
}
