package io.vqgen.job;

import org.apache.logging.log4j.Level;
import org.apache.logging.log4j.core.config.Configurator;
import org.apache.spark.SparkConf;
import org.apache.spark.sql.SparkSession;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The generation job's entry point, for {@code spark-submit --class io.vqgen.job.GenerateJob app.jar JOBFILE
 * [--set key=value …]} and for {@code vqgen run}. Without a Spark master (from spark-submit or a
 * {@code spark.master} key) it runs Spark in local mode on all cores.
 * Exit status: 0 the run finished (error rows included), 2 a bad job file, input, model or output
 * (one line on stderr), 1 the run failed.
 */
public final class GenerateJob {
    private static final Logger LOG = LoggerFactory.getLogger(GenerateJob.class);

    private GenerateJob() {
    }

    public static void main(String[] args) {
        System.exit(run(args, new PrintWriter(System.out, true), new PrintWriter(System.err, true)));
    }

    static int run(String[] args, PrintWriter out, PrintWriter err) {
        List<String> overrides = new ArrayList<>();
        String jobFile = null;
        boolean dryRun = false;
        boolean json = false;
        for (int i = 0; i < args.length; i++) {
            if ((args[i].equals("--set") || args[i].equals("--conf")) && i + 1 < args.length) {
                overrides.add(args[++i]);
            } else if (args[i].startsWith("--set=") || args[i].startsWith("--conf=")) {
                overrides.add(args[i].substring(args[i].indexOf('=') + 1));
            } else if (args[i].equals("--dry-run")) {
                dryRun = true;
            } else if (args[i].equals("--json")) {
                json = true;
            } else if (jobFile == null && !args[i].startsWith("-")) {
                jobFile = args[i];
            } else {
                err.println("usage: " + USAGE + " (unexpected '" + args[i] + "')");
                return 2;
            }
        }
        if (jobFile == null || (json && !dryRun)) {
            err.println("usage: " + USAGE);
            return 2;
        }
        return run(Path.of(jobFile), overrides, dryRun ? (json ? Mode.JSON_DRY_RUN : Mode.DRY_RUN) : Mode.RUN, out, err);
    }

    private static final String USAGE = "GenerateJob JOBFILE [--set key=value ...] [--dry-run [--json]]";

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
            err.println("vqgen run: run " + config.runId() + " failed: " + ErrorText.of(JobRunner.rootCause(e)));
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
        SparkConf conf = new SparkConf();
        config.sparkSettings().forEach(conf::set);
        boolean local = !conf.contains("spark.master");
        if (local) {
            conf.setMaster("local[*]");
        }
        if (!conf.contains("spark.app.name")) {
            conf.setAppName("vqgen " + config.runId());
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
