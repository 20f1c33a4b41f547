package io.vqgen.job;

import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.ChecksumFileSystem;
import org.apache.hadoop.fs.CommonPathCapabilities;
import org.apache.hadoop.fs.FSDataOutputStream;
import org.apache.hadoop.fs.FSError;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.util.UUID;

/**
 * Writes a run's files under its output root (images, executor reports, the run summary) whole or not at all, so
 * that no reader (a user of the manifest, a rerun) ever sees part of one, whatever stops the write: an error, a full
 * disk, a killed JVM.
 * <ul>
 * <li>Where the store publishes a file only when its output stream closes, and can abort it until then (S3A: one
 * PUT, or a multipart upload completed at close; Hadoop's {@code fs.capability.outputstream.abortable}), the file is
 * written in place, and a failed write is aborted.</li>
 * <li>Elsewhere (file://, hdfs://) it is written to a temporary file in the run's staging folder
 * {@code <output>/.partial/<run id>/}, then renamed to its name; a failed write deletes the temporary file. A JVM
 * killed mid-write leaves it there, until {@link Leftovers} deletes it.</li>
 * </ul>
 * Hadoop's local file system is written through its raw file system, without {@code .crc} side files: a rename then
 * moves one file, not two, and cannot be split by a kill. It reports a failed write (ENOSPC included) as an
 * {@link FSError}, an Error: that becomes an IOException, saying "disk full" when the disk is full.
 */
final class OutputFiles {
    private static final Logger LOG = LoggerFactory.getLogger(OutputFiles.class);

    private final FileSystem fs;
    private final ChecksumFileSystem checksummed;
    private final boolean inPlace;
    private final Path staging;

    private OutputFiles(FileSystem fs, boolean inPlace, Path staging) {
        this.checksummed = fs instanceof ChecksumFileSystem c ? c : null;
        this.fs = checksummed != null ? checksummed.getRawFileSystem() : fs;
        this.inPlace = inPlace;
        this.staging = staging;
    }

    /** The writer for one run's files under {@code layout}'s root. */
    static OutputFiles of(OutputLayout layout, String runId, Configuration conf) throws IOException {
        Path root = new Path(layout.root());
        FileSystem fs = root.getFileSystem(conf);
        return new OutputFiles(fs, fs.hasPathCapability(root, CommonPathCapabilities.ABORTABLE_STREAM),
                new Path(layout.staging(runId)));
    }

    /**
     * Writes {@code bytes} as the file {@code uri} (replacing it if it exists), or leaves nothing of them.
     *
     * @throws IOException if the file could not be written (its message says "disk full" when that is why)
     */
    void write(String uri, byte[] bytes) throws IOException {
        Path target = new Path(uri);
        try {
            if (inPlace) {
                writeInPlace(target, bytes);
            } else {
                writeAndRename(target, bytes);
            }
        } catch (FSError e) {
            throw failure(e.getCause() instanceof IOException io ? io : new IOException(e));
        } catch (IOException e) {
            throw failure(e);
        }
    }

    private void writeInPlace(Path target, byte[] bytes) throws IOException {
        FSDataOutputStream out = fs.create(target, true);
        try {
            out.write(bytes);
        } catch (IOException | RuntimeException | Error e) {
            try {
                out.abort(); // closing would publish what was buffered
            } catch (RuntimeException second) {
                e.addSuppressed(second);
            }
            throw e;
        }
        out.close(); // publishes the file; when it fails, nothing was published
    }

    private void writeAndRename(Path target, byte[] bytes) throws IOException {
        Path temporary = new Path(staging, UUID.randomUUID() + "-" + target.getName());
        boolean renamed = false;
        try {
            try (FSDataOutputStream out = fs.create(temporary, true)) {
                out.write(bytes);
            }
            fs.mkdirs(target.getParent());
            if (checksummed != null) {
                // a side file from an earlier write would no longer match (gone first: a kill here leaves no mismatch)
                fs.delete(checksummed.getChecksumFile(target), false);
            }
            // the local file system renames over an existing file; HDFS refuses: then delete it first
            renamed = fs.rename(temporary, target) || (fs.delete(target, false) && fs.rename(temporary, target));
            if (!renamed) {
                throw new IOException("cannot rename " + temporary + " to " + target);
            }
        } finally {
            if (!renamed) {
                deleteQuietly(fs, temporary);
            }
        }
    }

    private static IOException failure(IOException e) {
        String full = DiskFull.reason(e);
        return full == null ? e : new IOException("disk full (" + full + ")", e);
    }

    private static void deleteQuietly(FileSystem fs, Path path) {
        try {
            fs.delete(path, false);
        } catch (IOException | RuntimeException e) {
            LOG.warn("cannot delete {}: {}", path, ErrorText.of(e));
        }
    }
}
