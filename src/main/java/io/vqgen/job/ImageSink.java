package io.vqgen.job;

import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FSDataOutputStream;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;

import io.vqgen.pipeline.SamplingOptions;

import java.io.IOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Encodes and stores a batch's images through Hadoop FileSystem (file://, s3a://, hdfs://, …) and turns every
 * outcome into its manifest record. An image always goes to the same object name, so a retried task or a
 * rerun overwrites rather than duplicates. A failed write becomes that image's error record.
 */
final class ImageSink {
    private final OutputLayout layout;
    private final Configuration hadoopConf;
    private final ImageGenerator generator;
    private final String model;
    private final String fingerprint;
    private final boolean inline;
    private final Map<SamplingOptions, String> samplers = new HashMap<>();

    ImageSink(OutputLayout layout, Configuration hadoopConf, ImageGenerator generator, String model, boolean inline) {
        this.layout = layout;
        this.hadoopConf = hadoopConf;
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

    private ManifestRecord store(Outcome.Generated g) {
        String uri = layout.image(g.task().item().id(), g.task().index());
        try {
            byte[] png = generator.encodePng(g.image());
            Path path = new Path(uri);
            FileSystem fs = path.getFileSystem(hadoopConf);
            try (FSDataOutputStream out = fs.create(path, true)) {
                out.write(png);
            }
            return ManifestRecord.stored(g.task(), g.image(), uri, model, fingerprint, sampler(g.task()), g.elapsedMs(),
                    inline ? png : null);
        } catch (IOException | RuntimeException e) {
            return ManifestRecord.failed(g.task(), model, fingerprint, sampler(g.task()),
                    "storing " + uri + " failed: " + ErrorText.of(e), g.elapsedMs());
        }
    }

    private String sampler(ImageTask task) {
        return samplers.computeIfAbsent(task.item().sampling(), generator::samplerName);
    }
}
