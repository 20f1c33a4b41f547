package io.vqgen.weights;

import io.vqgen.LogCapture;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayInputStream;
import java.io.FileNotFoundException;
import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The local model cache on a stand-in "remote" folder (the sample model, read through {@link ModelFiles} with faults
 * injected where a test needs them); the same cache on real S3A is covered by the job's remote-model test.
 */
class ModelCacheTest {
    private static final Path SAMPLE = Path.of("sample-data/model");

    @TempDir
    Path tmp;
    Path cacheRoot;
    Path remoteDir;

    @BeforeEach
    void copySample() throws IOException {
        cacheRoot = tmp.resolve("cache");
        remoteDir = tmp.resolve("remote/tiny");
        try (Stream<Path> walk = Files.walk(SAMPLE)) {
            for (Path f : walk.toList()) {
                Path to = remoteDir.resolve(SAMPLE.relativize(f).toString());
                if (Files.isDirectory(f)) {
                    Files.createDirectories(to);
                } else {
                    Files.copy(f, to);
                }
            }
        }
    }

    /** The remote folder as a {@link ModelFiles}. */
    private static class Remote implements ModelFiles {
        final LocalModelFiles files;

        Remote(Path dir) {
            files = new LocalModelFiles(dir);
        }

        @Override
        public String location() {
            return "s3a://bucket/models/tiny";
        }

        @Override
        public List<Entry> list() throws IOException {
            return files.list();
        }

        @Override
        public InputStream open(String path, long offset) throws IOException {
            return files.open(path, offset);
        }
    }

    /** A fault for the copy of one file: the n-th opening of it (0 = the fingerprint's read before the copy). */
    private interface Fault {
        InputStream open(int n, Remote remote) throws IOException;
    }

    /** The remote folder with one file that misbehaves after the fingerprint has read it once. */
    private Remote faulty(String faultyPath, Fault fault) {
        AtomicInteger opens = new AtomicInteger();
        return new Remote(remoteDir) {
            @Override
            public InputStream open(String path, long offset) throws IOException {
                if (!path.equals(faultyPath)) {
                    return files.open(path, offset);
                }
                int n = opens.getAndIncrement();
                return n == 0 ? files.open(path, offset) : fault.open(n, this);
            }
        };
    }

    private Path weights(Path model) {
        return model.resolve("transformer/diffusion_pytorch_model.safetensors");
    }

    @Test
    void copiesOnceThenVerifiesEachUse() throws IOException {
        ModelCache cache = new ModelCache(cacheRoot);
        Remote remote = new Remote(remoteDir);
        Path copy = cache.localCopy(remote);
        assertTrue(copy.startsWith(cacheRoot), copy.toString());
        assertEquals(ModelFingerprint.of(new LocalModelFiles(remoteDir)), ModelFingerprint.of(new LocalModelFiles(copy)));
        assertArrayEquals(Files.readAllBytes(weights(remoteDir)), Files.readAllBytes(weights(copy)));
        long modified = Files.getLastModifiedTime(weights(copy)).toMillis();

        try (LogCapture log = LogCapture.of(ModelCache.class)) {
            assertEquals(copy, cache.localCopy(remote));
            assertTrue(log.messages().stream().anyMatch(m -> m.startsWith("INFO model s3a://bucket/models/tiny: using "
                    + "the verified copy in " + copy)), log.messages().toString());
        }
        assertEquals(modified, Files.getLastModifiedTime(weights(copy)).toMillis(), "not copied again");
        try (Stream<Path> entries = Files.list(copy.getParent())) {
            assertEquals(List.of(copy), entries.toList(), "no partial copies left behind");
        }
    }

    @Test
    void aCorruptCopyIsCopiedAgain() throws IOException {
        ModelCache cache = new ModelCache(cacheRoot);
        Path copy = cache.localCopy(new Remote(remoteDir));
        byte[] bytes = Files.readAllBytes(weights(copy));
        bytes[bytes.length / 2] ^= 1;
        Files.write(weights(copy), bytes);
        try (LogCapture log = LogCapture.of(ModelCache.class)) {
            assertEquals(copy, cache.localCopy(new Remote(remoteDir)));
            assertTrue(log.messages().stream().anyMatch(m -> m.startsWith("WARN model s3a://bucket/models/tiny: the copy "
                    + "in " + copy + " does not match the remote folder")), log.messages().toString());
        }
        assertArrayEquals(Files.readAllBytes(weights(remoteDir)), Files.readAllBytes(weights(copy)));
    }

    @Test
    void aReadThatEndsEarlyIsRetried() throws IOException {
        String path = "transformer/diffusion_pytorch_model.safetensors";
        Remote remote = faulty(path, (n, r) -> {
            byte[] all = r.files.open(path, 0).readAllBytes();
            return n <= 2 ? new ByteArrayInputStream(all, 0, all.length / 3) : new ByteArrayInputStream(all);
        });
        Path copy = new ModelCache(cacheRoot).localCopy(remote);
        assertArrayEquals(Files.readAllBytes(weights(remoteDir)), Files.readAllBytes(weights(copy)),
                "two short reads, the third attempt complete");
    }

    @Test
    void aFileThatStaysShortOrDisappearsFailsNamingIt() {
        Remote truncated = faulty("vqvae/diffusion_pytorch_model.safetensors", (n, r) -> new ByteArrayInputStream(new byte[10]));
        WeightsException e = assertThrows(WeightsException.class, () -> new ModelCache(cacheRoot).localCopy(truncated));
        assertEquals("s3a://bucket/models/tiny/vqvae/diffusion_pytorch_model.safetensors: could not be copied in 3 "
                + "attempts (10 bytes read, " + size("vqvae/diffusion_pytorch_model.safetensors") + " listed); was it "
                + "deleted or rewritten during the copy?", e.getMessage());

        Remote deleted = faulty("vqvae/config.json", (n, r) -> {
            throw new FileNotFoundException("No such file or directory: s3a://bucket/models/tiny/vqvae/config.json");
        });
        e = assertThrows(WeightsException.class, () -> new ModelCache(cacheRoot).localCopy(deleted));
        assertTrue(e.getMessage().startsWith("s3a://bucket/models/tiny/vqvae/config.json: could not be copied in 3 "
                + "attempts (No such file or directory"), e.getMessage());
        assertNoPartialCopies();
    }

    private long size(String path) {
        try {
            return Files.size(remoteDir.resolve(path));
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }

    @Test
    void aFolderThatChangesDuringTheCopyIsRefused() {
        Remote changing = faulty("scheduler/scheduler_config.json", (n, r) -> {
            byte[] changed = r.files.open("scheduler/scheduler_config.json", 0).readAllBytes();
            changed[changed.length - 2] = ' ';
            return new ByteArrayInputStream(changed);
        });
        WeightsException e = assertThrows(WeightsException.class, () -> new ModelCache(cacheRoot).localCopy(changing));
        assertTrue(e.getMessage().startsWith("model s3a://bucket/models/tiny: changed while it was copied (fingerprint "),
                e.getMessage());
        assertNoPartialCopies();
    }

    @Test
    void aFullDiskIsSaidBeforeCopyingOrWhenItFillsUp() throws IOException {
        long total = 0;
        for (ModelFiles.Entry f : new LocalModelFiles(remoteDir).list()) {
            total += f.size();
        }
        ModelCache.Sink files = file -> Files.newOutputStream(file, StandardOpenOption.CREATE_NEW);
        WeightsException before = assertThrows(WeightsException.class,
                () -> new ModelCache(cacheRoot, dir -> 1 << 20, files).localCopy(new Remote(remoteDir)));
        assertTrue(before.getMessage().startsWith("model cache " + cacheRoot.toAbsolutePath() + ": "), before.getMessage());
        assertTrue(before.getMessage().contains(" needed to copy s3a://bucket/models/tiny, 1.0 MiB free (free some space "
                + "or set model_cache_dir to a bigger disk)"), before.getMessage());

        long room = total / 2;
        long[] written = {0};
        ModelCache.Sink filling = file -> new FilterOutputStream(Files.newOutputStream(file, StandardOpenOption.CREATE_NEW)) {
            @Override
            public void write(byte[] b, int off, int len) throws IOException {
                written[0] += len;
                if (written[0] > room) {
                    throw new IOException("No space left on device");
                }
                out.write(b, off, len);
            }
        };
        WeightsException during = assertThrows(WeightsException.class,
                () -> new ModelCache(cacheRoot, dir -> Long.MAX_VALUE, filling).localCopy(new Remote(remoteDir)));
        assertTrue(during.getMessage().contains(": the disk filled up while copying s3a://bucket/models/tiny/"),
                during.getMessage());
        assertNoPartialCopies();

        Path copy = new ModelCache(cacheRoot).localCopy(new Remote(remoteDir));
        assertArrayEquals(Files.readAllBytes(weights(remoteDir)), Files.readAllBytes(weights(copy)),
                "with room again, the next run copies it");
    }

    @Test
    void aFolderWithoutModelIndexIsRefused() throws IOException {
        Files.delete(remoteDir.resolve("model_index.json"));
        WeightsException e = assertThrows(WeightsException.class,
                () -> new ModelCache(cacheRoot).localCopy(new Remote(remoteDir)));
        assertEquals("s3a://bucket/models/tiny/model_index.json: missing (expected a diffusers pipeline folder with "
                + "model_index.json)", e.getMessage());
    }

    @Test
    void concurrentCallersCopyOnce() throws Exception {
        AtomicInteger copies = new AtomicInteger();
        ModelCache.Sink counting = file -> {
            if (file.getFileName().toString().equals("model_index.json")) {
                copies.incrementAndGet();
            }
            return Files.newOutputStream(file, StandardOpenOption.CREATE_NEW);
        };
        ExecutorService pool = Executors.newFixedThreadPool(4);
        try {
            List<Callable<Path>> calls = new ArrayList<>();
            for (int i = 0; i < 4; i++) {
                calls.add(() -> new ModelCache(cacheRoot, dir -> Long.MAX_VALUE, counting).localCopy(new Remote(remoteDir)));
            }
            List<Path> copiesMade = new ArrayList<>();
            for (Future<Path> f : pool.invokeAll(calls)) {
                copiesMade.add(f.get());
            }
            assertEquals(1, copiesMade.stream().distinct().count());
            assertEquals(1, copies.get(), "one copy for four callers");
        } finally {
            pool.shutdownNow();
        }
    }

    private void assertNoPartialCopies() {
        try (Stream<Path> walk = Files.walk(cacheRoot)) {
            List<Path> partial = walk.filter(p -> p.getFileName().toString().startsWith(".partial-")).toList();
            assertEquals(List.of(), partial);
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }
}
