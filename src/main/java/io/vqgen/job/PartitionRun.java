package io.vqgen.job;

import io.vqgen.pipeline.SamplingOptions;
import org.apache.hadoop.conf.Configuration;
import org.apache.spark.TaskContext;
import org.apache.spark.sql.Row;
import org.apache.spark.util.TaskCompletionListener;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * One task's work over its partition, as the iterator of manifest rows that Spark's writer pulls. Rows are
 * validated as they arrive (rejected rows come out at once as error rows); valid rows' images are queued by their
 * sampling options, and a queue is generated as soon as it holds {@code batch_size} images (the rest when the input
 * ends), on this thread, while a single writer thread encodes and stores the previous batch. A batch therefore
 * never mixes sampling options. At most {@value #WRITES_IN_FLIGHT} batches wait for the writer, so memory stays
 * bounded and generation only pauses when storage is the bottleneck.
 */
final class PartitionRun implements Iterator<Row> {
    private static final Logger LOG = LoggerFactory.getLogger(PartitionRun.class);
    private static final int WRITES_IN_FLIGHT = 2;

    private final Iterator<Row> input;
    private final JobConfig config;
    private final RowValidator validator;
    private final GeneratorFactory factory;
    private final OutputLayout layout;
    private final Configuration hadoopConf;
    private final JobMetrics metrics;
    private final int partition;
    /** The partition counted across the run's commits, which names its shards. */
    private final int runPartition;
    private final long taskAttempt;

    /** Images waiting for their batch, by sampling options, in the order the options first appeared. */
    private final Map<SamplingOptions, ArrayDeque<ImageTask>> pending = new LinkedHashMap<>();
    private final ArrayDeque<Row> ready = new ArrayDeque<>();
    private final ArrayDeque<Future<List<ManifestRecord>>> writes = new ArrayDeque<>();
    private ExecutorService writer;
    private BatchRunner runner;
    private ImageGenerator generator;
    /** 0 until {@link #batchSize()} first decides it. */
    private int batchSize;
    private ImageSink sink;
    private DeviceChoice.TaskDevice device;
    private int batches;
    private int images;
    private boolean reported;

    PartitionRun(Iterator<Row> input, JobConfig config, ModelLimits limits, GeneratorFactory factory, OutputLayout layout,
                 Configuration hadoopConf, JobMetrics metrics, int firstPartition) {
        this.input = input;
        this.config = config;
        this.validator = new RowValidator(config, limits);
        this.factory = factory;
        this.layout = layout;
        this.hadoopConf = hadoopConf;
        this.metrics = metrics;
        TaskContext task = TaskContext.get();
        this.partition = task == null ? 0 : task.partitionId();
        this.runPartition = firstPartition + partition;
        this.taskAttempt = task == null ? 0 : task.taskAttemptId();
        if (task != null) {
            task.addTaskCompletionListener((TaskCompletionListener) ctx -> {
                stopWriter();
                if (ctx.isFailed() || ctx.isInterrupted()) {
                    abortSink();
                }
            });
        }
    }

    @Override
    public boolean hasNext() {
        while (ready.isEmpty()) {
            if (input.hasNext() || !pending.isEmpty()) {
                step();
            } else if (!writes.isEmpty()) {
                collect(writes.removeFirst());
            } else {
                finishSink();
                stopWriter();
                if (!reported) {
                    reported = true;
                    ExecutorReport.taskFinished(layout, config.runId(), hadoopConf, device, images);
                }
                return false;
            }
        }
        return true;
    }

    @Override
    public Row next() {
        if (!hasNext()) {
            throw new NoSuchElementException();
        }
        return ready.removeFirst();
    }

    /**
     * Reads rows until one options group holds a full batch (or the input ends), generates that batch (at the end,
     * the oldest group's images) and hands it to the writer.
     */
    private void step() {
        ArrayDeque<ImageTask> full = null;
        while (full == null && input.hasNext()) {
            PlannedRow row = PlannedRow.from(input.next());
            RowValidator.Verdict verdict = validator.check(row);
            if (verdict.error() != null) {
                emit(ManifestRecord.rejected(row, config.model(), verdict.error()));
                continue;
            }
            WorkItem work = verdict.work();
            ArrayDeque<ImageTask> group = pending.computeIfAbsent(work.sampling(), k -> new ArrayDeque<>());
            for (int index : work.indices()) {
                group.add(new ImageTask(work, index));
            }
            if (group.size() >= batchSize()) {
                full = group;
            }
        }
        if (full == null && !input.hasNext() && !pending.isEmpty()) {
            full = pending.values().iterator().next();
        }
        if (full != null) {
            SamplingOptions sampling = full.peekFirst().item().sampling();
            List<ImageTask> batch = new ArrayList<>(batchSize());
            while (batch.size() < batchSize() && !full.isEmpty()) {
                batch.add(full.removeFirst());
            }
            if (full.isEmpty()) {
                pending.remove(sampling);
            }
            generate(sampling, batch);
        }
        while (!writes.isEmpty() && (writes.peekFirst().isDone() || writes.size() > WRITES_IN_FLIGHT)) {
            collect(writes.removeFirst());
        }
    }

    /** The job's batch_size, or with batch_size=auto the loaded model's choice for this executor. */
    private int batchSize() {
        if (batchSize == 0) {
            batchSize = config.autoBatchSize() ? startGenerator().autoBatchSize() : config.batchSize();
            if (config.autoBatchSize()) {
                LOG.info("partition {}: batch_size=auto chose {} images per call", partition, batchSize);
            }
        }
        return batchSize;
    }

    /** Loads (or takes from the executor's cache) the model, and starts the writer, on first use. */
    private ImageGenerator startGenerator() {
        if (runner == null) {
            device = DeviceChoice.forTask(config.device());
            if (device.fellBack()) {
                LOG.warn("partition {}: Spark assigned {} to this task, but this JVM's PyTorch engine can use {} GPU(s)"
                        + " (a CPU-only libtorch or no CUDA device): generating on cpu", partition,
                        device.assigned(), device.gpuCount());
            }
            generator = GeneratorCache.get(factory, config.model(),
                    () -> ExecutorModels.localFolder(config, hadoopConf), device.used(), config.dtype());
            runner = new BatchRunner(generator);
            sink = new ImageSink(ImageStorage.of(config, layout, hadoopConf, runPartition, outputFiles()), generator, config.model(),
                    config.inlineImages());
            writer = Executors.newSingleThreadExecutor(r -> {
                Thread t = new Thread(r, "vqgen-writer-" + partition);
                t.setDaemon(true);
                return t;
            });
        }
        return generator;
    }

    private void generate(SamplingOptions sampling, List<ImageTask> batch) {
        startGenerator();
        long start = System.nanoTime();
        List<Outcome> outcomes = runner.run(sampling, batch);
        double seconds = (System.nanoTime() - start) / 1e9;
        metrics.generationSeconds().add(seconds);
        batches++;
        images += batch.size();
        long rows = batch.stream().map(ImageTask::item).distinct().count();
        LOG.info("partition {} batch {} on {}: {} rows, {} images, {} s, {} images/s", partition, batches, device.used(),
                rows, batch.size(), String.format("%.2f", seconds), String.format("%.2f", batch.size() / seconds));
        writes.addLast(writer.submit(() -> sink.write(outcomes)));
    }

    private OutputFiles outputFiles() {
        try {
            return OutputFiles.of(layout, config.runId(), hadoopConf);
        } catch (IOException e) {
            throw new UncheckedIOException("output " + layout.root() + ": " + ErrorText.of(e), e);
        }
    }

    private void collect(Future<List<ManifestRecord>> write) {
        await(write).forEach(this::emit);
    }

    private static <T> T await(Future<T> work) {
        try {
            return work.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while storing images", e);
        } catch (ExecutionException e) {
            throw new IllegalStateException("storing images failed: " + ErrorText.of(e.getCause()), e.getCause());
        }
    }

    private void emit(ManifestRecord record) {
        metrics.count(record);
        ready.addLast(record.toRow(config.inlineImages(), taskAttempt));
    }

    /** Closes the open shard on the writer thread, after every write; a failure fails the task. */
    private void finishSink() {
        if (sink != null && writer != null && !writer.isShutdown()) {
            await(writer.submit(() -> {
                sink.finish();
                return null;
            }));
        }
    }

    private void abortSink() {
        if (sink != null) {
            sink.abort();
        }
    }

    private void stopWriter() {
        if (writer != null) {
            writer.shutdownNow();
        }
    }
}
