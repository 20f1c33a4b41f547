package io.vqgen.job;

import io.vqgen.pipeline.NoiseMode;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FSError;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.SparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.storage.StorageLevel;
import org.apache.spark.util.SerializableConfiguration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.count;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.pmod;
import static org.apache.spark.sql.functions.sum;
import static org.apache.spark.sql.functions.when;
import static org.apache.spark.sql.functions.xxhash64;

/**
 * The generation job on the driver: check everything that can be checked before work starts (model folder,
 * output location, input table and its columns), plan the rows, then generate them in commits of
 * {@code rows_per_commit} rows. Each commit is one Spark write job: tasks generate and store images while
 * Spark's commit protocol writes their manifest rows to {@code manifest/run_id=<run>/}; a failed or
 * speculative task attempt's manifest file is never committed, and its image objects are overwritten by the
 * attempt that succeeds. A run that dies keeps every finished commit, and the next run skips what they hold.
 */
public final class JobRunner {
    private static final Logger LOG = LoggerFactory.getLogger(JobRunner.class);
    private static final String S3A_INPUT_STREAM = "fs.s3a.input.stream.type";

    private JobRunner() {
    }

    /** What every run checks and plans before it generates: the job with its model resolved, where things go, the rows. */
    record Prepared(JobConfig job, ModelCheck model, OutputLayout layout, Configuration hadoopConf, Dataset<Row> rows,
                    RunLease lease) {
    }

    /**
     * Every check the job makes before it generates (model, output, input table and columns, resume state), and the
     * plan. Loads no model and, with {@code probeOutput} false, writes nothing.
     *
     * @throws JobException for a bad model, output, input or a rerun with other settings (see {@link PromptPlan})
     */
    static Prepared prepare(SparkSession spark, JobConfig config, boolean probeOutput) {
        LOG.info("run {}: settings {}", config.runId(), config.maskedSettings());
        if (config.sampling().noise() == NoiseMode.REFERENCE) {
            LOG.warn("noise=reference: an image depends on its batch neighbours, so output changes with batch_size,"
                    + " partitioning and retries; use per-image for reproducible datasets");
        }
        Configuration hadoopConf = spark.sparkContext().hadoopConfiguration();
        // spark.hadoop.* reach a session built from this job's settings anyway; this covers an existing session.
        config.sparkSettings().forEach((k, v) -> {
            if (k.startsWith("spark.hadoop.")) {
                hadoopConf.set(k.substring("spark.hadoop.".length()), v);
            }
        });
        if (hadoopConf.get(S3A_INPUT_STREAM) == null) {
            // Hadoop 3.5's default S3A input stream ("analytics") fails a read whose response ends early, and the
            // driver then reports a readable table as unreadable; the classic stream reads on from where it was
            hadoopConf.set(S3A_INPUT_STREAM, "classic");
        }
        ModelCheck model = ModelCheck.of(config.model(), hadoopConf);
        if (config.sampling().steps() > model.limits().maxSteps()) {
            throw new JobException("steps: " + config.sampling().steps() + " exceeds the model's num_train_timesteps ("
                    + model.limits().maxSteps() + ")");
        }
        JobConfig job = config.with(Map.of("model", model.model()));
        OutputLayout layout = checkOutput(job, hadoopConf, probeOutput);
        if (!probeOutput) {
            RunLease.checkFree(layout, hadoopConf);
        }
        RunLease lease = probeOutput ? RunLease.acquire(layout, hadoopConf, job.runId()) : null;
        try {
            if (probeOutput) {
                // shards an earlier driver committed but did not move (a dry run leaves them: it writes nothing)
                ShardCommit.recover(spark, layout, hadoopConf);
            }
            Dataset<Row> input = readInput(spark, job, model.limits().classConditional());
            Dataset<Row> ok = currentOk(spark, layout, hadoopConf);
            if (job.verifyOutputs()) {
                ok = OutputVerifier.present(spark, ok, hadoopConf, job.runId());
            }
            PromptPlan.Plan built = PromptPlan.build(input, job, ok, model.fingerprint(), job.overwrite());
            checkConflicts(built.conflicts(), job, layout);
            return new Prepared(job, model, layout, hadoopConf, built.rows(), lease);
        } catch (Exception e) { // Spark's failures are checked exceptions that Java code sees unannounced
            if (lease != null) {
                lease.close();
            }
            JobException unreadable = UnreadableManifest.of(e, layout);
            if (unreadable != null) {
                throw unreadable;
            }
            throw sneaky(e);
        }
    }

    public static RunSummary run(SparkSession spark, JobConfig config, GeneratorFactory factory) {
        Instant started = Instant.now();
        Prepared prepared = prepare(spark, config, true);
        JobConfig job = prepared.job();
        ModelCheck model = prepared.model();
        OutputLayout layout = prepared.layout();
        Configuration hadoopConf = prepared.hadoopConf();
        SparkContext sc = spark.sparkContext();
        Dataset<Row> rows = prepared.rows().persist(StorageLevel.MEMORY_AND_DISK());
        Dataset<Row> plan = rows.filter(col(PromptPlan.TODO));
        JobMetrics metrics = JobMetrics.register(sc);
        Broadcast<SerializableConfiguration> conf = SerializableConfiguration.broadcast(sc, hadoopConf);
        Progress progress = new Progress();
        JobProgress reporter = null;
        RunInterruption interruption = RunInterruption.watch(sc, job.runId());
        OutputFiles files = outputFiles(layout, job.runId(), hadoopConf);
        try {
            Row counts = rows.agg(count(lit(1)), sum(when(col(PromptPlan.TODO), 1L).otherwise(0L)),
                    sum(col(PromptPlan.IMAGES_TODO))).first();
            progress.inputRows = counts.getLong(0);
            progress.planned = counts.isNullAt(1) ? 0 : counts.getLong(1);
            long images = counts.isNullAt(2) ? 0 : counts.getLong(2);
            progress.commits = (int) Math.ceil(progress.planned / (double) job.rowsPerCommit());
            LOG.info("run {}: {} input rows, {} already done, {} to do in {} commit(s)", job.runId(),
                    progress.inputRows, progress.inputRows - progress.planned, progress.planned, progress.commits);
            reporter = JobProgress.start(sc, metrics, job.runId(), images, job.progressInterval());
            PartitionTask task = new PartitionTask(job, model.limits(), factory, layout, conf, metrics);
            int partitions = job.partitions() > 0 ? job.partitions() : sc.defaultParallelism();
            for (int c = 0; c < progress.commits; c++) {
                Dataset<Row> commit = progress.commits == 1 ? plan
                        : plan.filter(pmod(xxhash64(col(PlannedRow.ID)), lit(progress.commits)).equalTo(c));
                sc.setJobDescription("vqgen run " + job.runId() + ": commit " + (c + 1) + " of " + progress.commits);
                ManifestWriter.append(commit.repartition(partitions, col(PlannedRow.ID))
                        .mapPartitions(task.forCommit(c, partitions), Encoders.row(ManifestSchema.of(job.inlineImages()))),
                        layout.manifestPartition(job.runId()), job.inlineImages());
                if (job.outputFormat() == OutputFormat.WEBDATASET) {
                    ShardCommit.promote(spark, layout, job.runId(), hadoopConf);
                }
                LOG.info("run {}: commit {} of {} done", job.runId(), c + 1, progress.commits);
            }
            RunSummary summary = summarize(spark, job, layout, files, started, progress, metrics, "succeeded", null);
            LOG.info(summary.describe());
            return summary;
        } catch (Exception e) {
            // Spark's own failures are checked SparkExceptions: record every failure, then rethrow it (a file in the
            // manifest that Spark cannot read is the user's to move away: a bad output, named)
            JobException unreadable = UnreadableManifest.of(e, layout);
            try {
                if (interruption.signalled()) {
                    summarize(spark, job, layout, files, started, progress, metrics, "interrupted",
                            "the driver's JVM was told to stop (SIGTERM or SIGINT) during the run; rerun to resume");
                } else {
                    summarize(spark, job, layout, files, started, progress, metrics, "failed",
                            unreadable != null ? unreadable.getMessage() : failure(e, layout.root()));
                }
            } catch (RuntimeException second) {
                e.addSuppressed(second);
            }
            if (unreadable != null) {
                throw unreadable;
            }
            throw e;
        } finally {
            if (reporter != null) {
                reporter.close();
            }
            sc.setJobDescription(null);
            rows.unpersist();
            conf.unpersist();
            try {
                Leftovers.removeOwn(layout, job.runId(), hadoopConf);
            } catch (IOException | RuntimeException e) {
                LOG.warn("run {}: cannot delete its staging folder: {}", job.runId(), ErrorText.of(e));
            }
            prepared.lease().close();
            interruption.close();
        }
    }

    /** The run's file writer; first deletes what runs stopped mid-way left. */
    private static OutputFiles outputFiles(OutputLayout layout, String runId, Configuration hadoopConf) {
        try {
            Leftovers.removeOthers(layout, runId, hadoopConf);
        } catch (IOException | RuntimeException e) {
            LOG.warn("run {}: cannot delete what stopped runs left: {}", runId, ErrorText.of(e));
        }
        try {
            return OutputFiles.of(layout, runId, hadoopConf);
        } catch (IOException e) {
            throw new JobException("output " + layout.root() + ": cannot write there (" + ErrorText.of(e) + ")", e);
        }
    }

    /**
     * One line saying why a run failed: a full disk names the output (whatever part of the run hit it: an image, the
     * manifest, a Spark file, the summary); anything else is its innermost cause.
     */
    static String failure(Throwable e, String output) {
        String full = DiskFull.reason(e);
        if (full != null) {
            return "output " + output + ": disk full (" + full + "); what was committed stays: free some space and"
                    + " rerun to resume";
        }
        return ErrorText.of(rootCause(e));
    }

    private static final class Progress {
        long inputRows;
        long planned;
        int commits;
    }

    /**
     * Qualifies the output root and, with {@code probe}, proves it writable (a probe object under runs/); without, it
     * only checks that the root is a folder if it exists (a dry run writes nothing).
     */
    private static OutputLayout checkOutput(JobConfig job, Configuration hadoopConf, boolean probe) {
        Path root = new Path(job.output());
        try {
            FileSystem fs = root.getFileSystem(hadoopConf);
            OutputLayout layout = new OutputLayout(fs.makeQualified(root).toString());
            if (!probe) {
                if (fs.exists(root) && !fs.getFileStatus(root).isDirectory()) {
                    throw new IOException(root + " is a file");
                }
                return layout;
            }
            Path runs = new Path(layout.runs());
            if (!fs.mkdirs(runs)) {
                throw new IOException("cannot create " + runs);
            }
            Path probeFile = new Path(runs, "." + job.runId() + ".probe");
            fs.create(probeFile, true).close();
            fs.delete(probeFile, false);
            return layout;
        } catch (IOException | RuntimeException e) {
            throw new JobException("output " + job.output() + ": cannot write there (" + ErrorText.of(e) + ")", e);
        } catch (FSError e) { // Hadoop's local file system: a failed write, e.g. a full disk
            String full = DiskFull.reason(e);
            throw new JobException("output " + job.output() + ": cannot write there ("
                    + (full != null ? "disk full: " + full : ErrorText.of(e.getCause())) + ")", e);
        }
    }

    private static Dataset<Row> readInput(SparkSession spark, JobConfig job, boolean classConditional) {
        Dataset<Row> input;
        try {
            // mergeSchema: files written at different times may differ in their optional override columns.
            input = spark.read().option("mergeSchema", "true").parquet(job.input());
        } catch (Exception e) {
            throw new JobException("input " + job.input() + ": cannot read a Parquet table there ("
                    + ErrorText.of(e) + ")", e);
        }
        InputSchema.check(input.schema(), job, job.input(), classConditional);
        return input;
    }

    /** Each image's current ok row in the output's manifest (none for a new output). */
    private static Dataset<Row> currentOk(SparkSession spark, OutputLayout layout, Configuration hadoopConf) {
        Dataset<Row> manifest = exists(layout.manifest(), hadoopConf)
                ? spark.read().schema(PromptPlan.resumeSchema()).parquet(layout.manifest())
                : spark.createDataFrame(List.of(), PromptPlan.resumeSchema());
        return PromptPlan.currentOk(manifest);
    }

    /**
     * Stops the run before the model is loaded when the output holds images of these rows made otherwise (another
     * model, seed or setting), unless {@code overwrite} makes them again; says what differs either way.
     */
    private static void checkConflicts(Dataset<Row> conflicts, JobConfig job, OutputLayout layout) {
        List<String> differences = PromptPlan.describe(conflicts);
        if (differences.isEmpty()) {
            return;
        }
        if (job.overwrite()) {
            LOG.warn("run {}: overwrite=true: making again the images {} holds with other settings: {}", job.runId(),
                    layout.root(), String.join("; ", differences));
            return;
        }
        throw new JobException("output " + layout.root() + " already holds images of these rows made otherwise: "
                + String.join("; ", differences) + ". Use the settings that made them to resume, another output, or "
                + "--set overwrite=true to make them again with these settings");
    }

    private static RunSummary summarize(SparkSession spark, JobConfig job, OutputLayout layout, OutputFiles files,
                                        Instant started, Progress progress, JobMetrics metrics, String status,
                                        String error) {
        Map<String, Long> counts = new HashMap<>();
        String partition = layout.manifestPartition(job.runId());
        if (exists(partition, spark.sparkContext().hadoopConfiguration())) {
            for (Row r : spark.read().schema(PromptPlan.resumeSchema()).parquet(partition)
                    .groupBy("status").count().collectAsList()) {
                counts.put(r.getString(0), r.getLong(1));
            }
        }
        Instant finished = Instant.now();
        double wall = Duration.between(started, finished).toMillis() / 1000.0;
        long ok = counts.getOrDefault(ManifestSchema.OK, 0L);
        RunSummary summary = new RunSummary(job.runId(), status, error, job.input(), layout.root(), job.model(),
                started.toString(), finished.toString(), wall, progress.inputRows,
                progress.inputRows - progress.planned, progress.planned, progress.commits, ok,
                counts.getOrDefault(ManifestSchema.ERROR, 0L), metrics.generationSeconds().sum(),
                wall > 0 ? ok / wall : 0, job.outputFormat() == OutputFormat.WEBDATASET ? layout.shards() : layout.images(),
                layout.manifest(), layout.summary(job.runId()),
                job.maskedSettings());
        try {
            summary.write(files);
        } catch (IOException e) {
            // not a bad input (exit 2): the run's work is committed, and a rerun writes a summary again
            throw new UncheckedIOException("output " + layout.summary(job.runId()) + ": cannot write the run summary ("
                    + ErrorText.of(e) + ")", e);
        }
        return summary;
    }

    private static boolean exists(String path, Configuration conf) {
        try {
            Path p = new Path(path);
            return p.getFileSystem(conf).exists(p);
        } catch (IOException e) {
            throw new JobException("output " + path + ": cannot be read (" + ErrorText.of(e) + ")", e);
        }
    }

    /** Rethrows any exception as it is (a checked one unannounced, as Spark's Scala code throws them). */
    @SuppressWarnings("unchecked")
    private static <T extends Exception> RuntimeException sneaky(Exception e) throws T {
        throw (T) e;
    }

    /** The innermost cause: what actually went wrong inside Spark's wrappers. */
    static Throwable rootCause(Throwable t) {
        Throwable c = t;
        for (int depth = 0; c.getCause() != null && c.getCause() != c && depth < 32; depth++) {
            c = c.getCause();
        }
        return c;
    }

    /** The first {@link JobException} in a cause chain, if any (bad input found inside a task). */
    static JobException jobException(Throwable t) {
        Throwable c = t;
        for (int depth = 0; c != null && depth < 32; depth++, c = c.getCause()) {
            if (c instanceof JobException je) {
                return je;
            }
        }
        return null;
    }
}
