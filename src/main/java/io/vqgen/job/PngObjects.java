package io.vqgen.job;

import io.vqgen.pipeline.GeneratedImage;
import io.vqgen.pipeline.ImageProvenance;

import java.io.IOException;

/**
 * {@code output_format=png}: each image is one object, {@code images/<safe id>/<index>.png}. The name depends only on
 * the image, so a retried task or a rerun overwrites rather than duplicates; each is written whole or not at all
 * ({@link OutputFiles}).
 */
final class PngObjects implements ImageStorage {
    private final OutputLayout layout;
    private final OutputFiles files;

    PngObjects(OutputLayout layout, OutputFiles files) {
        this.layout = layout;
        this.files = files;
    }

    @Override
    public Location store(ImageTask task, GeneratedImage image, ImageProvenance provenance, byte[] png)
            throws IOException {
        String uri = layout.image(task.item().id(), task.index());
        files.write(uri, png);
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
