package io.vqgen.job;

import org.apache.spark.SparkContext;
import org.apache.spark.scheduler.AccumulableInfo;
import org.apache.spark.scheduler.SparkListener;
import org.apache.spark.scheduler.SparkListenerExecutorMetricsUpdate;
import org.apache.spark.scheduler.SparkListenerTaskEnd;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import scala.Tuple4;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * The run's progress, logged by the driver at a steady interval: images ok out of the images planned, error rows,
 * images/s and the time left at that rate. It reads the job's accumulators ({@link JobMetrics}): their driver-side
 * values, which count finished tasks, plus the values running tasks last reported in their executors' heartbeats
 * ({@code spark.executor.heartbeatInterval}, 10 s by default), so a long task shows progress before it ends. A task
 * that fails drops out of the count; the run summary's exact counts come from the committed manifest.
 */
final class JobProgress implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(JobProgress.class);

    private final SparkContext sc;
    private final JobMetrics metrics;
    private final String runId;
    private final long total;
    private final long started = System.nanoTime();
    /** Task id → its last heartbeat's (images ok, error rows), while it runs. */
    private final Map<Long, long[]> running = new ConcurrentHashMap<>();
    private final Listener listener = new Listener();
    private final ScheduledExecutorService timer;

    private JobProgress(SparkContext sc, JobMetrics metrics, String runId, long total, Duration interval) {
        this.sc = sc;
        this.metrics = metrics;
        this.runId = runId;
        this.total = total;
        sc.addSparkListener(listener);
        timer = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "vqgen-progress");
            t.setDaemon(true);
            return t;
        });
        long ms = interval.toMillis();
        timer.scheduleAtFixedRate(() -> LOG.info(line()), ms, ms, TimeUnit.MILLISECONDS);
    }

    /** Starts logging every {@code interval} until {@link #close}; a zero interval logs nothing. */
    static JobProgress start(SparkContext sc, JobMetrics metrics, String runId, long totalImages, Duration interval) {
        return interval.isZero() ? null : new JobProgress(sc, metrics, runId, totalImages, interval);
    }

    /** One progress line, e.g. {@code run r1: 120/400 images ok (30.0%), 2 error rows, 1.52 images/s, ETA 3m04s}. */
    String line() {
        long ok = metrics.imagesOk().value();
        long errors = metrics.errorRows().value();
        for (long[] live : running.values()) {
            ok += live[0];
            errors += live[1];
        }
        ok = Math.min(ok, total);
        double seconds = (System.nanoTime() - started) / 1e9;
        double rate = seconds > 0 ? ok / seconds : 0;
        String eta = rate > 0 ? Durations.format((total - ok) / rate) : "unknown";
        return String.format("run %s: %d/%d images ok (%.1f%%), %d error rows, %.2f images/s, ETA %s", runId, ok,
                total, total == 0 ? 100.0 : 100.0 * ok / total, errors, rate, eta);
    }

    @Override
    public void close() {
        timer.shutdownNow();
        sc.removeSparkListener(listener);
    }

    private final class Listener extends SparkListener {
        @Override
        public void onExecutorMetricsUpdate(SparkListenerExecutorMetricsUpdate update) {
            scala.collection.Iterator<Tuple4<Object, Object, Object, scala.collection.immutable.Seq<AccumulableInfo>>> tasks =
                    update.accumUpdates().iterator();
            while (tasks.hasNext()) {
                Tuple4<Object, Object, Object, scala.collection.immutable.Seq<AccumulableInfo>> task = tasks.next();
                long[] live = new long[2];
                boolean ours = false;
                scala.collection.Iterator<AccumulableInfo> infos = task._4().iterator();
                while (infos.hasNext()) {
                    AccumulableInfo info = infos.next();
                    Object value = info.update().isDefined() ? info.update().get() : null;
                    if (!(value instanceof Long v)) {
                        continue;
                    }
                    if (info.id() == metrics.imagesOk().id()) {
                        live[0] = v;
                        ours = true;
                    } else if (info.id() == metrics.errorRows().id()) {
                        live[1] = v;
                        ours = true;
                    }
                }
                if (ours) {
                    running.put((Long) task._1(), live);
                }
            }
        }

        @Override
        public void onTaskEnd(SparkListenerTaskEnd end) {
            // finished: its counts are in the accumulators' driver values now (or, if it failed, nowhere)
            running.remove(end.taskInfo().taskId());
        }
    }
}
