package io.vqgen.job;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.SerializationFeature;
import org.apache.spark.api.java.function.MapPartitionsFunction;
import org.apache.spark.api.java.function.ReduceFunction;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import scala.Tuple2;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import static org.apache.spark.sql.functions.coalesce;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.count;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.size;
import static org.apache.spark.sql.functions.sum;
import static org.apache.spark.sql.functions.when;

/**
 * {@code vqgen run JOBFILE --dry-run}: every check a run makes before it generates (model, output, input table and
 * columns, resume state), then the plan — rows, images to make and already made, rows that will be error rows,
 * commits, settings, and a time estimate from {@code est_seconds_per_image} when set. Loads no model, writes nothing.
 *
 * @param estimatedSeconds images × est_seconds_per_image / parallel tasks, or null without an estimate per image
 */
public record DryRun(String runId, String input, String output, String model, String modelFingerprint,
                     long inputRows, long rowsAlreadyDone, long rowsToDo, long imagesToMake, long imagesAlreadyMade,
                     long errorRows, int commits, int parallelTasks, Double estimatedSeconds,
                     Map<String, String> settings) {

    private static final ObjectMapper JSON = new ObjectMapper()
            .setPropertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE)
            .enable(SerializationFeature.INDENT_OUTPUT);

    public static DryRun of(SparkSession spark, JobConfig config) {
        JobRunner.Prepared prepared = JobRunner.prepare(spark, config, false);
        JobConfig job = prepared.job();
        Dataset<Row> rows = prepared.rows();
        Row counts = rows.agg(count(lit(1)), sum(when(col(PromptPlan.TODO), 1L).otherwise(0L)),
                sum(coalesce(size(col(PlannedRow.DONE)), lit(0)).cast("long"))).first();
        long inputRows = counts.getLong(0);
        long todo = counts.isNullAt(1) ? 0 : counts.getLong(1);
        long made = counts.isNullAt(2) ? 0 : Math.max(0, counts.getLong(2));
        Tuple2<Long, Long> work = todo == 0 ? new Tuple2<>(0L, 0L) : rows.filter(col(PromptPlan.TODO))
                .mapPartitions(new Validate(job, prepared.model().limits()),
                        Encoders.tuple(Encoders.LONG(), Encoders.LONG()))
                .reduce((ReduceFunction<Tuple2<Long, Long>>) (a, b) -> new Tuple2<>(a._1() + b._1(), a._2() + b._2()));
        int parallel = job.partitions() > 0 ? job.partitions() : spark.sparkContext().defaultParallelism();
        Double estimate = job.estSecondsPerImage() > 0 ? work._1() * job.estSecondsPerImage() / parallel : null;
        return new DryRun(job.runId(), job.input(), prepared.layout().root(), job.model(),
                prepared.model().fingerprint(), inputRows, inputRows - todo, todo, work._1(), made, work._2(),
                (int) Math.ceil(todo / (double) job.rowsPerCommit()), parallel, estimate, job.maskedSettings());
    }

    /** Per partition of rows with work: (images to make, rows that will be error rows), as the tasks would judge. */
    private record Validate(JobConfig config, ModelLimits limits) implements MapPartitionsFunction<Row, Tuple2<Long, Long>> {
        @Override
        public Iterator<Tuple2<Long, Long>> call(Iterator<Row> rows) {
            RowValidator validator = new RowValidator(config, limits);
            long images = 0;
            long errors = 0;
            while (rows.hasNext()) {
                RowValidator.Verdict v = validator.check(PlannedRow.from(rows.next()));
                if (v.error() != null) {
                    errors++;
                } else {
                    images += v.work().indices().length;
                }
            }
            return List.of(new Tuple2<>(images, errors)).iterator();
        }
    }

    public String toJson() {
        try {
            return JSON.writeValueAsString(this);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The plan as lines for the console. */
    public List<String> describe() {
        List<String> out = new ArrayList<>();
        out.add("dry run " + runId + ": every check passed; nothing was generated or written");
        out.add("input:    " + input + " (" + inputRows + " rows: " + rowsAlreadyDone + " already done, " + rowsToDo
                + " to do, of which " + errorRows + " will be error rows)");
        out.add("model:    " + model + " (" + modelFingerprint + ")");
        out.add("output:   " + output);
        out.add("images:   " + imagesToMake + " to make, " + imagesAlreadyMade + " already made, in " + commits
                + " commit(s), " + parallelTasks + " task(s) at a time");
        out.add("estimate: " + (estimatedSeconds == null ? "set est_seconds_per_image (from vqgen bench) for one"
                : duration(estimatedSeconds) + " (" + imagesToMake + " images x " + settings.get("est_seconds_per_image")
                + " s / " + parallelTasks + " tasks)"));
        StringBuilder s = new StringBuilder("settings:");
        settings.forEach((k, v) -> s.append(' ').append(k).append('=').append(v));
        out.add(s.toString());
        return out;
    }

    private static String duration(double seconds) {
        Duration d = Duration.ofSeconds(Math.round(seconds));
        return String.format(Locale.ROOT, "%d:%02d:%02d", d.toHours(), d.toMinutesPart(), d.toSecondsPart());
    }
}
