package io.vqgen.weights;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Stream;

/**
 * Local copies of remote model folders, one per folder and host, made once and verified every time they are used.
 *
 * <p>Layout under the cache root: {@code <key>/model/} is the verified copy ({@code <key>} = the last path segment of
 * the remote folder and a hash of its URI), {@code <key>/.partial-<random>/} a copy in progress, {@code <key>.lock}
 * the lock that lets one process and thread per host copy while the others wait (a file lock between processes, a
 * monitor between threads). A copy goes to a temporary name, each file is checked against the listed size (a
 * short read is retried), the whole copy's {@link ModelFingerprint} must equal the remote folder's, and only then
 * is it renamed into place. A cached copy is used only if its fingerprint equals the remote one now; otherwise
 * (a corrupt copy, or a model that changed) it is copied again.
 */
public final class ModelCache {
    private static final Logger LOG = LoggerFactory.getLogger(ModelCache.class);
    private static final ConcurrentHashMap<Path, Object> JVM_LOCKS = new ConcurrentHashMap<>();
    private static final int ATTEMPTS = 3;
    private static final long PROGRESS_INTERVAL_NANOS = 5_000_000_000L;

    /** How much room a cache folder has; a seam for tests that simulate a full disk. */
    interface Space {
        long usableBytes(Path dir) throws IOException;
    }

    /** Where a copied file's bytes go; a seam for tests that simulate a disk filling up mid-copy. */
    interface Sink {
        OutputStream create(Path file) throws IOException;
    }

    private final Path root;
    private final Space space;
    private final Sink sink;

    public ModelCache(Path root) {
        this(root, dir -> Files.getFileStore(dir).getUsableSpace(),
                file -> Files.newOutputStream(file, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE));
    }

    ModelCache(Path root, Space space, Sink sink) {
        this.root = root.toAbsolutePath().normalize();
        this.space = space;
        this.sink = sink;
    }

    public Path root() {
        return root;
    }

    /**
     * The verified local copy of a remote model folder, copying it if this host has none (or a stale or corrupt one).
     *
     * @throws WeightsException naming the folder, the file and what went wrong (missing folder, a file that stays
     *                          short after retries, a remote folder that changed during the copy, a full disk)
     */
    public Path localCopy(ModelFiles remote) {
        Path entry = root.resolve(key(remote.location()));
        Path lockFile = root.resolve(entry.getFileName() + ".lock");
        try {
            Files.createDirectories(root);
        } catch (IOException e) {
            throw new WeightsException("model cache " + root + ": cannot create it (" + e.getMessage() + ")");
        }
        synchronized (JVM_LOCKS.computeIfAbsent(lockFile, k -> new Object())) {
            FileChannel lock;
            try {
                lock = FileChannel.open(lockFile, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
                lock.lock();
            } catch (IOException e) {
                throw new WeightsException("model cache " + root + ": cannot lock " + lockFile + " ("
                        + e.getMessage() + ")");
            }
            try {
                return underLock(remote, entry);
            } catch (IOException e) {
                throw new WeightsException("model " + remote.location() + ": copying it into " + root + " failed ("
                        + e.getMessage() + ")");
            } finally {
                closeQuietly(lock);
            }
        }
    }

    private Path underLock(ModelFiles remote, Path entry) throws IOException {
        List<ModelFiles.Entry> files = remote.list();
        if (files.stream().noneMatch(f -> f.path().equals("model_index.json"))) {
            throw new WeightsException(remote.location() + "/model_index.json: missing (expected a diffusers "
                    + "pipeline folder with model_index.json)");
        }
        String fingerprint = ModelFingerprint.of(remote);
        Path model = entry.resolve("model");
        if (Files.isDirectory(model)) {
            String cached = ModelFingerprint.of(new LocalModelFiles(model));
            if (cached.equals(fingerprint)) {
                LOG.info("model {}: using the verified copy in {} ({})", remote.location(), model, fingerprint);
                return model;
            }
            LOG.warn("model {}: the copy in {} does not match the remote folder ({} here, {} there: corrupt, or the "
                    + "model changed); copying it again", remote.location(), model, cached, fingerprint);
            deleteTree(model);
        }
        Files.createDirectories(entry);
        for (Path stale : partials(entry)) {
            deleteTree(stale);
        }
        long total = files.stream().mapToLong(ModelFiles.Entry::size).sum();
        long usable = space.usableBytes(entry);
        if (usable < total) {
            throw new WeightsException("model cache " + root + ": " + mib(total) + " needed to copy " + remote.location()
                    + ", " + mib(usable) + " free (free some space or set model_cache_dir to a bigger disk)");
        }
        Path partial = entry.resolve(".partial-" + UUID.randomUUID());
        try {
            copyAll(remote, files, total, partial);
            String copied = ModelFingerprint.of(new LocalModelFiles(partial));
            if (!copied.equals(fingerprint)) {
                throw new WeightsException("model " + remote.location() + ": changed while it was copied (fingerprint "
                        + fingerprint + " before, " + copied + " in the copy); run again once it is complete");
            }
            try {
                Files.move(partial, model, StandardCopyOption.ATOMIC_MOVE);
            } catch (AtomicMoveNotSupportedException e) {
                throw new WeightsException("model cache " + root + ": cannot rename within it atomically ("
                        + e.getMessage() + ")");
            }
            return model;
        } finally {
            deleteTree(partial);
        }
    }

    private void copyAll(ModelFiles remote, List<ModelFiles.Entry> files, long total, Path partial) throws IOException {
        long start = System.nanoTime();
        long[] done = {0};
        long[] lastLog = {start};
        LOG.info("model {}: copying {} files, {} into {}", remote.location(), files.size(), mib(total), partial.getParent());
        for (ModelFiles.Entry f : files) {
            Path target = partial.resolve(f.path()).normalize();
            if (!target.startsWith(partial)) {
                throw new WeightsException(remote.location() + ": file name '" + f.path() + "' leaves the folder");
            }
            Files.createDirectories(target.getParent());
            copyWithRetries(remote, f, target, bytes -> {
                done[0] += bytes;
                long now = System.nanoTime();
                if (now - lastLog[0] > PROGRESS_INTERVAL_NANOS) {
                    lastLog[0] = now;
                    LOG.info("model {}: {} of {} copied, {} MB/s", remote.location(), mib(done[0]), mib(total),
                            String.format(Locale.ROOT, "%.1f", done[0] / 1e6 / ((now - start) / 1e9)));
                }
            });
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        LOG.info("model {}: copied {} in {} s ({} MB/s)", remote.location(), mib(total),
                String.format(Locale.ROOT, "%.1f", seconds),
                String.format(Locale.ROOT, "%.1f", total / 1e6 / Math.max(seconds, 1e-3)));
    }

    private interface Progress {
        void add(long bytes);
    }

    /** Copies one file, again from its start when the stream fails or ends short of the listed size. */
    private void copyWithRetries(ModelFiles remote, ModelFiles.Entry f, Path target, Progress progress)
            throws IOException {
        String where = remote.location() + "/" + f.path();
        IOException last = null;
        for (int attempt = 1; attempt <= ATTEMPTS; attempt++) {
            Files.deleteIfExists(target);
            long copied = 0;
            try (InputStream in = remote.open(f.path(), 0); OutputStream out = sink.create(target)) {
                byte[] buffer = new byte[1 << 20];
                for (int n; (n = in.read(buffer)) >= 0; ) {
                    out.write(buffer, 0, n);
                    copied += n;
                    progress.add(n);
                }
            } catch (IOException e) {
                if (isDiskFull(e)) {
                    throw new WeightsException("model cache " + root + ": the disk filled up while copying " + where
                            + " (" + e.getMessage() + "); free some space or set model_cache_dir to a bigger disk");
                }
                last = e;
                progress.add(-copied);
                LOG.warn("model {}: reading {} failed (attempt {} of {}): {}", remote.location(), f.path(), attempt,
                        ATTEMPTS, e.toString());
                continue;
            }
            if (copied == f.size()) {
                return;
            }
            progress.add(-copied);
            last = new IOException(copied + " bytes read, " + f.size() + " listed");
            LOG.warn("model {}: {} ended early (attempt {} of {}): {}", remote.location(), f.path(), attempt, ATTEMPTS,
                    last.getMessage());
        }
        throw new WeightsException(where + ": could not be copied in " + ATTEMPTS + " attempts (" + last.getMessage()
                + "); was it deleted or rewritten during the copy?");
    }

    /** Closing the channel releases its lock. */
    private static void closeQuietly(FileChannel channel) {
        try {
            channel.close();
        } catch (IOException e) {
            LOG.warn("closing {} failed: {}", channel, e.toString());
        }
    }

    private static boolean isDiskFull(IOException e) {
        String m = String.valueOf(e.getMessage());
        return m.contains("No space left on device") || m.contains("Disk quota exceeded");
    }

    private static List<Path> partials(Path entry) throws IOException {
        try (Stream<Path> list = Files.list(entry)) {
            return list.filter(p -> p.getFileName().toString().startsWith(".partial-")).toList();
        }
    }

    /** The cache folder name of a remote folder: readable, and unique per URI. */
    static String key(String location) {
        String trimmed = location.replaceAll("/+$", "");
        String last = trimmed.substring(trimmed.lastIndexOf('/') + 1).replaceAll("[^A-Za-z0-9._-]", "_");
        try {
            byte[] hash = MessageDigest.getInstance("SHA-256").digest(trimmed.getBytes(StandardCharsets.UTF_8));
            return (last.isEmpty() ? "model" : last) + "-" + HexFormat.of().formatHex(hash, 0, 8);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static String mib(long bytes) {
        return String.format(Locale.ROOT, "%.1f MiB", bytes / 1048576.0);
    }

    private static void deleteTree(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> walk = Files.walk(dir)) {
            for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }
}
