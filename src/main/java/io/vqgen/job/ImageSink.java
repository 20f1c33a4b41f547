package io.vqgen.job;

import io.vqgen.pipeline.ImageProvenance;
import io.vqgen.pipeline.PngText;
import io.vqgen.pipeline.SamplingOptions;

import java.io.IOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Encodes a batch's images as PNG, with their provenance in PNG text chunks (prompt, seed, model, sampler and every
 * sampling setting, see {@link ImageProvenance}), stores them ({@link ImageStorage}: PNG objects or webdataset shards)
 * and turns every outcome into its manifest record. An image is stored whole or not at all ({@link OutputFiles}); a
 * failed write (a full disk included) becomes that image's error record, and a rerun makes it again.
 */
final class ImageSink {
    private final ImageStorage storage;
    private final ImageGenerator generator;
    private final String model;
    private final String fingerprint;
    private final boolean inline;
    private final Map<SamplingOptions, String> samplers = new HashMap<>();

    ImageSink(ImageStorage storage, ImageGenerator generator, String model, boolean inline) {
        this.storage = storage;
        this.generator = generator;
        this.model = model;
        this.fingerprint = generator.identity().fingerprint();
        this.inline = inline;
    }

    List<ManifestRecord> write(List<Outcome> outcomes) {
        List<ManifestRecord> records = new ArrayList<>(outcomes.size());
        for (Outcome o : outcomes) {
            if (o instanceof Outcome.Generated g) {
                records.add(store(g));
            } else if (o instanceof Outcome.Failed f) {
                records.add(ManifestRecord.failed(f.task(), model, fingerprint, sampler(f.task()), f.error(),
                        f.elapsedMs()));
            }
        }
        return records;
    }

    /** The task's input is done: close what the storage holds open (a shard), so that it can be committed. */
    void finish() throws IOException {
        storage.finish();
    }

    void abort() {
        storage.abort();
    }

    private ManifestRecord store(Outcome.Generated g) {
        ImageTask task = g.task();
        ImageProvenance provenance = new ImageProvenance(task.item().id(), task.index(), task.item().prompt(),
                task.seed(), model, fingerprint, sampler(task), task.item().sampling());
        try {
            byte[] png = PngText.insert(generator.encodePng(g.image()), provenance.pngText());
            ImageStorage.Location at = storage.store(task, g.image(), provenance, png);
            return ManifestRecord.stored(task, g.image(), at, png.length, model, fingerprint, sampler(task),
                    g.elapsedMs(), inline ? png : null);
        } catch (IOException | RuntimeException e) {
            return ManifestRecord.failed(task, model, fingerprint, sampler(task),
                    "storing image " + task.index() + " of '" + task.item().id() + "' failed: " + ErrorText.of(e),
                    g.elapsedMs());
        }
    }

    private String sampler(ImageTask task) {
        return samplers.computeIfAbsent(task.item().sampling(), generator::samplerName);
    }
}
