package io.vqgen;

import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.LocalFileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.fs.RawLocalFileSystem;
import org.apache.hadoop.fs.permission.FsPermission;

import java.io.IOException;
import java.io.OutputStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFileAttributes;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Pattern;

/**
 * TEST DOUBLE: Hadoop's local file system ({@link LocalFileSystem} with its checksums, over
 * {@link RawLocalFileSystem}) under the scheme {@value #SCHEME}, whose writes can fail as on a full disk or stop at a
 * gate. Register it with {@link #settings()} (Hadoop keys; add the {@code spark.hadoop.} prefix in a job).
 * <ul>
 * <li>Full disk (this JVM, set by a test): {@link #FREE} more bytes fit on the disk, taken by writes to paths that
 * match {@link #filling}. A write that needs more writes what fits, and the rest goes to {@code /dev/full}, so that
 * Hadoop's own local output stream fails as it does on a full disk: an {@code FSError} whose cause is the
 * kernel's {@code IOException: No space left on device}.</li>
 * <li>Gate (configuration keys, so that they reach child JVMs and executors as {@code spark.hadoop.*}): after
 * {@value #GATE_WRITE_SKIP} writes to paths matching {@value #GATE_WRITE}, the next one stops when it has
 * {@value #GATE_WRITE_AFTER} bytes on disk; after {@value #GATE_RENAME_SKIP} renames whose destination matches
 * {@value #GATE_RENAME}, the next one stops before it renames. A stopped thread writes
 * {@code <}{@value #GATE_DIR}{@code >/waiting-<pid>} (holding the path) and waits until
 * {@code <gate dir>/open} exists: a test kills the JVM there, or opens the gate.</li>
 * </ul>
 */
public class FaultyLocalFileSystem extends LocalFileSystem {
    public static final String SCHEME = "faultyfile";
    public static final String GATE_DIR = "vqgen.test.gate.dir";
    public static final String GATE_WRITE = "vqgen.test.gate.write";
    public static final String GATE_WRITE_SKIP = "vqgen.test.gate.write.skip";
    public static final String GATE_WRITE_AFTER = "vqgen.test.gate.write.after";
    public static final String GATE_RENAME = "vqgen.test.gate.rename";
    public static final String GATE_RENAME_SKIP = "vqgen.test.gate.rename.skip";

    /** Bytes the disk still takes. */
    public static final AtomicLong FREE = new AtomicLong(Long.MAX_VALUE);
    /** Writes to paths that match take space from {@link #FREE}; others are free. */
    public static volatile Pattern filling = Pattern.compile("");

    private static final AtomicInteger GATED_WRITES = new AtomicInteger();
    private static final AtomicInteger GATED_RENAMES = new AtomicInteger();

    public FaultyLocalFileSystem() {
        super(new Raw());
    }

    @Override
    public String getScheme() {
        return SCHEME;
    }

    /** The Hadoop keys that register this file system. */
    public static Map<String, String> settings() {
        return Map.of("fs." + SCHEME + ".impl", FaultyLocalFileSystem.class.getName());
    }

    /** {@code faultyfile:///<absolute path>} */
    public static String uri(java.nio.file.Path local) {
        return SCHEME + "://" + local.toAbsolutePath().toUri().getPath();
    }

    /** A disk with room again, every write counted. */
    public static void reset() {
        FREE.set(Long.MAX_VALUE);
        filling = Pattern.compile("");
    }

    static final class Raw extends RawLocalFileSystem {
        private static final URI NAME = URI.create(SCHEME + ":///");

        @Override
        public URI getUri() {
            return NAME;
        }

        @Override
        public String getScheme() {
            return SCHEME;
        }

        @Override
        public FileStatus getFileStatus(Path f) throws IOException {
            return plain(super.getFileStatus(f));
        }

        @Override
        public FileStatus[] listStatus(Path f) throws IOException {
            FileStatus[] all = super.listStatus(f);
            for (int i = 0; i < all.length; i++) {
                all[i] = plain(all[i]);
            }
            return all;
        }

        /**
         * The status with its permission and owner read now: without Hadoop's native library, the raw file system's
         * own status reads them lazily through {@code new File(URI)}, which takes only file: URIs.
         */
        private FileStatus plain(FileStatus s) throws IOException {
            PosixFileAttributes a = Files.readAttributes(pathToFile(s.getPath()).toPath(), PosixFileAttributes.class,
                    LinkOption.NOFOLLOW_LINKS);
            FsPermission permission = FsPermission.valueOf((s.isDirectory() ? "d" : "-")
                    + PosixFilePermissions.toString(a.permissions()));
            return new FileStatus(s.getLen(), s.isDirectory(), s.getReplication(), s.getBlockSize(),
                    s.getModificationTime(), s.getAccessTime(), permission, a.owner().getName(), a.group().getName(),
                    s.getPath());
        }

        @Override
        protected OutputStream createOutputStreamWithMode(Path f, boolean append, FsPermission permission)
                throws IOException {
            OutputStream real = super.createOutputStreamWithMode(f, append, permission);
            String gate = getConf().get(GATE_WRITE);
            long stopAfter = -1;
            if (gate != null && Pattern.compile(gate).matcher(f.toString()).find()
                    && GATED_WRITES.getAndIncrement() >= getConf().getInt(GATE_WRITE_SKIP, 0)) {
                stopAfter = getConf().getLong(GATE_WRITE_AFTER, 1);
            }
            return new Scripted(f, real, filling.matcher(f.toString()).find(), stopAfter);
        }

        @Override
        public boolean rename(Path src, Path dst) throws IOException {
            String gate = getConf().get(GATE_RENAME);
            if (gate != null && Pattern.compile(gate).matcher(dst.toString()).find()
                    && GATED_RENAMES.getAndIncrement() >= getConf().getInt(GATE_RENAME_SKIP, 0)) {
                awaitGate("rename " + src + " -> " + dst);
            }
            return super.rename(src, dst);
        }

        private void awaitGate(String what) throws IOException {
            java.nio.file.Path dir = java.nio.file.Path.of(getConf().get(GATE_DIR));
            java.nio.file.Path open = dir.resolve("open");
            if (Files.exists(open)) {
                return;
            }
            Files.createDirectories(dir);
            long pid = ProcessHandle.current().pid();
            java.nio.file.Path partial = dir.resolve(".waiting-" + pid + "-" + Thread.currentThread().getId());
            Files.writeString(partial, what, StandardCharsets.UTF_8);
            Files.move(partial, dir.resolve("waiting-" + pid), StandardCopyOption.ATOMIC_MOVE,
                    StandardCopyOption.REPLACE_EXISTING);
            try {
                for (long waited = 0; !Files.exists(open); waited += 50) {
                    if (waited > 300_000) {
                        throw new IOException("gate " + open + " not opened within 5 minutes");
                    }
                    Thread.sleep(50);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException("interrupted at the gate", e);
            }
        }

        /** The stream under Hadoop's buffer: takes disk space, fails when there is none, stops at the gate. */
        private final class Scripted extends OutputStream {
            private final Path path;
            private final OutputStream real;
            private final boolean takesSpace;
            private long stopAfter;
            private long written;

            Scripted(Path path, OutputStream real, boolean takesSpace, long stopAfter) {
                this.path = path;
                this.real = real;
                this.takesSpace = takesSpace;
                this.stopAfter = stopAfter;
            }

            @Override
            public void write(int b) throws IOException {
                write(new byte[] {(byte) b}, 0, 1);
            }

            @Override
            public void write(byte[] b, int off, int len) throws IOException {
                if (stopAfter >= 0 && written + len >= stopAfter) {
                    int before = (int) (stopAfter - written);
                    take(b, off, before);
                    real.flush();
                    stopAfter = -1;
                    awaitGate("write " + path + " after " + (written + before) + " bytes");
                    off += before;
                    len -= before;
                    written += before;
                }
                take(b, off, len);
                written += len;
            }

            private void take(byte[] b, int off, int len) throws IOException {
                long fits = len;
                if (takesSpace) {
                    long free;
                    do {
                        free = FREE.get();
                        fits = Math.min(len, Math.max(0, free));
                    } while (!FREE.compareAndSet(free, free - fits));
                }
                real.write(b, off, (int) fits);
                if (fits < len) {
                    real.flush();
                    try (OutputStream full = Raw.super.createOutputStreamWithMode(new Path(SCHEME + ":///dev/full"),
                            false, null)) {
                        full.write(b, off + (int) fits, len - (int) fits); // throws FSError(No space left on device)
                    }
                }
            }

            @Override
            public void flush() throws IOException {
                real.flush();
            }

            @Override
            public void close() throws IOException {
                real.close();
            }
        }
    }
}
