package io.vqgen.job;

import io.vqgen.pipeline.GeneratedImage;
import io.vqgen.pipeline.ImageRequest;
import io.vqgen.pipeline.SamplingOptions;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.List;

/**
 * Runs one batch of image tasks, all with the same sampling options, on the generator. A batch that fails (an
 * accelerator out of memory, a prompt that breaks the tokenizer, …) is split in halves and each half retried, down
 * to single images; only an image that fails alone becomes a {@link Outcome.Failed}.
 */
final class BatchRunner {
    private static final Logger LOG = LoggerFactory.getLogger(BatchRunner.class);

    private final ImageGenerator generator;

    BatchRunner(ImageGenerator generator) {
        this.generator = generator;
    }

    /** One outcome per task, in task order. */
    List<Outcome> run(SamplingOptions sampling, List<ImageTask> batch) {
        List<Outcome> out = new ArrayList<>(batch.size());
        runOrSplit(sampling, batch, out);
        return out;
    }

    private void runOrSplit(SamplingOptions sampling, List<ImageTask> tasks, List<Outcome> out) {
        long start = System.nanoTime();
        try {
            out.addAll(generate(sampling, tasks, start));
        } catch (RuntimeException | OutOfMemoryError e) {
            // OutOfMemoryError too: the failed batch's buffers are garbage now, and a smaller batch may fit.
            long elapsedMs = (System.nanoTime() - start) / 1_000_000;
            if (tasks.size() == 1) {
                LOG.warn("image {} of '{}' failed: {}", tasks.get(0).index(), tasks.get(0).item().id(), ErrorText.of(e));
                out.add(new Outcome.Failed(tasks.get(0), ErrorText.of(e), elapsedMs));
                return;
            }
            LOG.warn("batch of {} images failed ({}); retrying in halves", tasks.size(), ErrorText.of(e));
            int half = tasks.size() / 2;
            runOrSplit(sampling, tasks.subList(0, half), out);
            runOrSplit(sampling, tasks.subList(half, tasks.size()), out);
        }
    }

    private List<Outcome> generate(SamplingOptions sampling, List<ImageTask> tasks, long start) {
        List<ImageRequest> requests = tasks.stream()
                .map(t -> t.item().classLabel() != null ? ImageRequest.forClass(t.item().classLabel(), t.seed(), null)
                        : ImageRequest.of(t.item().prompt(), t.seed())).toList();
        List<GeneratedImage> images;
        // The generator is shared by every task of this JVM; one batch at a time keeps its memory bounded.
        synchronized (generator) {
            images = generator.generate(sampling, requests);
        }
        if (images.size() != tasks.size()) {
            throw new IllegalStateException("the generator returned " + images.size() + " images for " + tasks.size());
        }
        long perImageMs = (System.nanoTime() - start) / 1_000_000 / tasks.size();
        List<Outcome> out = new ArrayList<>(tasks.size());
        for (int i = 0; i < tasks.size(); i++) {
            out.add(new Outcome.Generated(tasks.get(i), images.get(i), perImageMs));
        }
        return out;
    }
}
