package io.vqgen.job;

import org.apache.spark.sql.SparkSession;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;

/**
 * The evaluation job's entry point, for {@code spark-submit --class io.vqgen.job.EvalJob app.jar JOBFILE
 * [--set key=value …]} and for {@code vqgen eval}: CLIP score and FID of a generation run's images. Without a Spark
 * master it runs Spark in local mode on all cores. Exit status: 0 evaluated, 2 a bad job file, model, manifest,
 * reference set or output (one line on stderr), 1 the evaluation failed.
 */
public final class EvalJob {
    private static final Logger LOG = LoggerFactory.getLogger(EvalJob.class);

    private EvalJob() {
    }

    public static void main(String[] args) {
        CommandLineLogging.selectUnlessConfigured();
        PrintWriter out = new PrintWriter(System.out, true);
        PrintWriter err = new PrintWriter(System.err, true);
        JobFile.Arguments b = JobFile.Arguments.parse("EvalJob", args, err);
        System.exit(b == null ? 2 : run(b.jobFile(), b.overrides(), out, err));
    }

    public static int run(Path jobFile, List<String> overrides, PrintWriter out, PrintWriter err) {
        EvalConfig config;
        try {
            config = EvalConfig.load(jobFile, overrides);
        } catch (JobException e) {
            err.println("vqgen eval: " + e.getMessage());
            return 2;
        }
        boolean ownSession = SparkSession.getActiveSession().isEmpty() && SparkSession.getDefaultSession().isEmpty();
        SparkSession spark = null;
        try {
            spark = GenerateJob.session(config.sparkSettings(), "vqgen eval " + config.runId(), ownSession);
            EvalSummary summary = EvalRunner.run(spark, config);
            out.println(summary.describe());
            out.println("scores:  " + summary.scores() + "/");
            out.println("summary: " + summary.output() + "/summary.json");
            out.println("report:  " + summary.report());
            return 0;
        } catch (Exception e) {
            JobException bad = JobRunner.jobException(e);
            if (bad != null) {
                err.println("vqgen eval: " + bad.getMessage());
                return 2;
            }
            LOG.error("eval {} failed", config.runId(), e);
            err.println("vqgen eval: eval " + config.runId() + " failed: " + ErrorText.of(JobRunner.rootCause(e))
                    + CommandLineLogging.detailsHint());
            return 1;
        } finally {
            if (ownSession && spark != null) {
                spark.stop();
            }
            EvaluatorCache.closeAll();
        }
    }
}
