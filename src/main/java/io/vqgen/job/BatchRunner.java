package io.vqgen.job;

import io.vqgen.pipeline.GeneratedImage;
import io.vqgen.pipeline.GenerationRequest;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.List;

/**
 * Runs one batch of image tasks on the generator. A batch that fails (an accelerator out of memory, a bad
 * prompt that breaks the tokenizer, …) is split in halves and each half retried, down to single images; only
 * an image that fails alone becomes a {@link Outcome.Failed}. Consecutive tasks of the same row share one
 * {@link GenerationRequest}.
 */
final class BatchRunner {
    private static final Logger LOG = LoggerFactory.getLogger(BatchRunner.class);

    private final ImageGenerator generator;

    BatchRunner(ImageGenerator generator) {
        this.generator = generator;
    }

    List<Outcome> run(List<ImageTask> batch) {
        List<Outcome> out = new ArrayList<>(batch.size());
        runOrSplit(batch, out);
        return out;
    }

    private void runOrSplit(List<ImageTask> tasks, List<Outcome> out) {
        long start = System.nanoTime();
        try {
            out.addAll(generate(tasks, start));
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
            runOrSplit(tasks.subList(0, half), out);
            runOrSplit(tasks.subList(half, tasks.size()), out);
        }
    }

    private List<Outcome> generate(List<ImageTask> tasks, long start) {
        List<List<ImageTask>> byRequest = new ArrayList<>();
        for (ImageTask t : tasks) {
            List<ImageTask> last = byRequest.isEmpty() ? null : byRequest.get(byRequest.size() - 1);
            if (last != null && last.get(0).item() == t.item()) {
                last.add(t);
            } else {
                byRequest.add(new ArrayList<>(List.of(t)));
            }
        }
        List<GenerationRequest> requests = byRequest.stream().map(group -> new GenerationRequest(
                group.get(0).item().prompt(), group.stream().mapToLong(ImageTask::seed).toArray(),
                group.get(0).item().sampling(), null)).toList();
        List<GeneratedImage> images;
        // The generator is shared by every task of this JVM; one batch at a time keeps its memory bounded.
        synchronized (generator) {
            images = generator.generate(requests);
        }
        if (images.size() != tasks.size()) {
            throw new IllegalStateException("the generator returned " + images.size() + " images for " + tasks.size());
        }
        long perImageMs = (System.nanoTime() - start) / 1_000_000 / tasks.size();
        List<Outcome> out = new ArrayList<>(tasks.size());
        boolean[] seen = new boolean[tasks.size()];
        for (GeneratedImage image : images) {
            List<ImageTask> group = byRequest.get(image.request());
            ImageTask task = group.get(image.imageIndex());
            int position = tasks.indexOf(task);
            if (seen[position]) {
                throw new IllegalStateException("the generator returned image " + image.imageIndex() + " of request "
                        + image.request() + " twice");
            }
            seen[position] = true;
            out.add(new Outcome.Generated(task, image, perImageMs));
        }
        return out;
    }
}
