package io.vqgen.job;

import io.vqgen.pipeline.GeneratedImage;
import io.vqgen.pipeline.ImageProvenance;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FSDataOutputStream;
import org.apache.hadoop.fs.Path;

import java.io.IOException;

/**
 * {@code output_format=png}: each image is one object, {@code images/<safe id>/<index>.png}. The name depends only on
 * the image, so a retried task or a rerun overwrites rather than duplicates, and on object stores a PUT is atomic.
 */
final class PngObjects implements ImageStorage {
    private final OutputLayout layout;
    private final Configuration hadoopConf;

    PngObjects(OutputLayout layout, Configuration hadoopConf) {
        this.layout = layout;
        this.hadoopConf = hadoopConf;
    }

    @Override
    public Location store(ImageTask task, GeneratedImage image, ImageProvenance provenance, byte[] png)
            throws IOException {
        String uri = layout.image(task.item().id(), task.index());
        Path path = new Path(uri);
        try (FSDataOutputStream out = path.getFileSystem(hadoopConf).create(path, true)) {
            out.write(png);
        }
        String relative = layout.relative(uri);
        return new Location(uri, relative, null, null, relative);
    }

    @Override
    public void finish() {
    }

    @Override
    public void abort() {
    }
}
