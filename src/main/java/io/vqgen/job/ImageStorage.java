package io.vqgen.job;

import io.vqgen.pipeline.GeneratedImage;
import io.vqgen.pipeline.ImageProvenance;

import java.io.IOException;

/** Where one task's encoded images go ({@code output_format}): PNG objects, or webdataset shards. */
interface ImageStorage {
    /**
     * Where a stored image can be found.
     *
     * @param uri      the object holding the image: the PNG itself, or its shard
     * @param fileName {@code uri} relative to the output root
     * @param member   the image's member name inside its shard (null for PNG objects)
     * @param offset   where the member's bytes start in the shard (null for PNG objects)
     * @param path     the image's own name, for the inline image column: {@code fileName} or {@code member}
     */
    record Location(String uri, String fileName, String member, Long offset, String path) {
    }

    /** Stores one image's PNG (with its provenance and token grid, where the format keeps them). */
    Location store(ImageTask task, GeneratedImage image, ImageProvenance provenance, byte[] png) throws IOException;

    /** The task's input is done: make everything stored durable (close the open shard). */
    void finish() throws IOException;

    /** The task failed: release what is open; what was written is never committed. */
    void abort();

    static ImageStorage of(JobConfig config, OutputLayout layout, org.apache.hadoop.conf.Configuration hadoopConf,
                           int partition, OutputFiles files) {
        return switch (config.outputFormat()) {
            case PNG -> new PngObjects(layout, files);
            case WEBDATASET -> new WebDatasetShards(layout, hadoopConf, config.runId(), partition,
                    config.shardImages(), config.shardBytes());
        };
    }
}
