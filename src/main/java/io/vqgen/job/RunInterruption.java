package io.vqgen.job;

import org.apache.hadoop.util.ShutdownHookManager;
import org.apache.spark.SparkContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * What happens when the driver's JVM is told to stop (SIGTERM, SIGINT, a pod being deleted) in the middle of a run:
 * a shutdown hook, run before Spark's own (which stops the SparkContext) and before Hadoop closes its file systems,
 * cancels the run's Spark jobs and waits for the run to write its summary with status {@code interrupted} and give
 * back its lease. What was committed stays; a rerun resumes.
 */
final class RunInterruption implements AutoCloseable {
    /** Above Spark's shutdown hook (Hadoop priority 40) and Hadoop's FileSystem cache (10): runs first. */
    private static final int PRIORITY = 45;
    private static final long WAIT_SECONDS = 45;
    private static final Logger LOG = LoggerFactory.getLogger(RunInterruption.class);

    private final Runnable hook;
    private final CountDownLatch finished = new CountDownLatch(1);
    private volatile boolean signalled;

    private RunInterruption(SparkContext sc, String runId) {
        this.hook = () -> {
            signalled = true;
            LOG.warn("run {}: the JVM is shutting down; cancelling the run's Spark jobs and recording it as "
                    + "interrupted (what was committed stays: rerun to resume)", runId);
            sc.cancelAllJobs();
            try {
                if (!finished.await(WAIT_SECONDS, TimeUnit.SECONDS)) {
                    LOG.error("run {}: did not stop within {} s of the shutdown signal", runId, WAIT_SECONDS);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        };
        ShutdownHookManager.get().addShutdownHook(hook, PRIORITY, WAIT_SECONDS + 5, TimeUnit.SECONDS);
    }

    static RunInterruption watch(SparkContext sc, String runId) {
        return new RunInterruption(sc, runId);
    }

    /** Whether the run ended because the JVM was told to stop. */
    boolean signalled() {
        return signalled;
    }

    /** The run has written its summary and given back its lease: the hook may let the JVM go on stopping. */
    @Override
    public void close() {
        finished.countDown();
        if (!ShutdownHookManager.get().isShutdownInProgress()) {
            ShutdownHookManager.get().removeShutdownHook(hook);
        }
    }
}
