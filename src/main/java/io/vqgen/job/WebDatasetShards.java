package io.vqgen.job;

import io.vqgen.pipeline.GeneratedImage;
import io.vqgen.pipeline.ImageProvenance;
import io.vqgen.weights.Npy;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.Path;
import org.apache.spark.TaskContext;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Date;
import java.util.Map;

/**
 * {@code output_format=webdataset}: a task's images go into tar shards, each sample three members with one key,
 * {@code <key>.png}, {@code <key>.json} (the image's provenance: prompt, seed, model, sampler, settings) and
 * {@code <key>.tokens.npy} (its token grid, int64 [height, width]), as the webdataset convention has it. A shard is
 * closed once it holds {@code shard_images} images or {@code shard_bytes} bytes, and the next one opened.
 *
 * <p>A task attempt writes its shards under {@code shards/_staging/<run>/}, one file per attempt; the manifest rows
 * it emits already name the shard's final place and the attempt ({@code task_attempt}). The driver moves the
 * committed attempt's shards into {@code shards/} after the manifest commit ({@link ShardCommit}), so a failed,
 * retried or speculative attempt never leaves a shard there, and an unfinished shard is never seen there.
 *
 * <p>Keys are the id made safe for paths ({@link SafeIds}, with {@code .} written {@code ~2E} too, since webdataset
 * takes the key up to the first dot), {@code _}, and the image index: {@link SafeIds#decode} of the part before
 * the last {@code _} gives the id back.
 */
final class WebDatasetShards implements ImageStorage {
    private final OutputLayout layout;
    private final Configuration hadoopConf;
    private final String runId;
    private final int partition;
    private final int maxImages;
    private final long maxBytes;
    private final long attempt;

    private TarArchiveOutputStream tar;
    private String name;
    private int shards;
    private int images;

    WebDatasetShards(OutputLayout layout, Configuration hadoopConf, String runId, int partition, int maxImages,
                     long maxBytes) {
        this.layout = layout;
        this.hadoopConf = hadoopConf;
        this.runId = runId;
        this.partition = partition;
        this.maxImages = maxImages;
        this.maxBytes = maxBytes;
        TaskContext task = TaskContext.get();
        this.attempt = task == null ? 0 : task.taskAttemptId();
    }

    /** The sample key of an image (see the class comment). */
    static String key(String id, int index) {
        return SafeIds.encode(id).replace(".", "~2E") + "_" + index;
    }

    @Override
    public Location store(ImageTask task, GeneratedImage image, ImageProvenance provenance, byte[] png)
            throws IOException {
        if (tar != null && ((maxImages > 0 && images >= maxImages) || tar.getBytesWritten() >= maxBytes)) {
            finish();
        }
        if (tar == null) {
            open();
        }
        String key = key(task.item().id(), task.index());
        String member = key + ".png";
        long offset = put(member, png);
        put(key + ".json", provenance.json(Map.of("width", image.width(), "height", image.height(),
                "token_height", image.tokenHeight(), "token_width", image.tokenWidth()))
                .getBytes(StandardCharsets.UTF_8));
        put(key + ".tokens.npy", tokens(image));
        images++;
        String uri = layout.shard(name);
        return new Location(uri, layout.relative(uri), member, offset, member);
    }

    private void open() throws IOException {
        name = OutputLayout.shardName(runId, partition, shards++);
        Path staging = new Path(layout.stagingShard(runId, name, attempt));
        tar = new TarArchiveOutputStream(staging.getFileSystem(hadoopConf).create(staging, true));
        tar.setLongFileMode(TarArchiveOutputStream.LONGFILE_POSIX);
        tar.setBigNumberMode(TarArchiveOutputStream.BIGNUMBER_POSIX);
        tar.setAddPaxHeadersForNonAsciiNames(true);
        images = 0;
    }

    /** Writes one member; returns where its data starts in the shard. */
    private long put(String member, byte[] data) throws IOException {
        TarArchiveEntry entry = new TarArchiveEntry(member);
        entry.setSize(data.length);
        entry.setMode(0644);
        entry.setModTime(new Date());
        tar.putArchiveEntry(entry);
        long offset = tar.getBytesWritten();
        tar.write(data);
        tar.closeArchiveEntry();
        return offset;
    }

    private static byte[] tokens(GeneratedImage image) throws IOException {
        long[] values = new long[image.tokens().length];
        for (int i = 0; i < values.length; i++) {
            values[i] = image.tokens()[i];
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream(128 + values.length * 8);
        Npy.writeLongs(out, values, image.tokenHeight(), image.tokenWidth());
        return out.toByteArray();
    }

    @Override
    public void finish() throws IOException {
        if (tar != null) {
            TarArchiveOutputStream closing = tar;
            tar = null;
            closing.close();
        }
    }

    @Override
    public void abort() {
        if (tar != null) {
            try {
                tar.close();
            } catch (IOException | RuntimeException ignored) {
                // the attempt failed: its staging files are never committed, and ShardCommit removes them
            }
            tar = null;
        }
    }
}
