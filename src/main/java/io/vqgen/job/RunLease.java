package io.vqgen.job;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FSDataInputStream;
import org.apache.hadoop.fs.FSDataOutputStream;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.FileNotFoundException;
import java.io.IOException;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.UUID;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * One run at a time per output: a lease object {@code <output>/runs/_lease.json} that a run writes before it plans
 * and keeps fresh with a heartbeat while it runs. A second run into the same output is refused (exit 2) while the
 * lease is fresh; a lease whose heartbeat is older than {@link #STALE} (its run was killed) is taken over with a
 * warning, and so is one whose run is seen to be gone: written on this host, in this PID namespace, by a process
 * that no longer exists (a local run killed and rerun at once).
 *
 * <p>On file:// and hdfs:// the lease is created only if absent, atomically. Object stores have no atomic "create if
 * absent" (through S3A), so there taking the lease is write, wait, read back: of two runs
 * that start together, each reads the lease after both have written it, so both see the same winner and the other
 * backs out. The wait ({@link #SETTLE}) only has to cover the moment between one run's check and its write.
 */
final class RunLease implements AutoCloseable {
    static final Duration STALE = Duration.ofMinutes(10);
    static final Duration HEARTBEAT = Duration.ofSeconds(30);
    static final Duration SETTLE = Duration.ofSeconds(2);
    private static final Logger LOG = LoggerFactory.getLogger(RunLease.class);
    private static final ObjectMapper JSON = new ObjectMapper();
    /** File systems whose create-if-absent is atomic: no settle time needed there. */
    private static final java.util.Set<String> ATOMIC_CREATE = java.util.Set.of("file", "hdfs", "viewfs");

    private final Path path;
    private final FileSystem fs;
    private final ObjectNode content;
    private final ScheduledExecutorService heartbeat;
    private boolean closed;

    private RunLease(Path path, FileSystem fs, ObjectNode content) {
        this.path = path;
        this.fs = fs;
        this.content = content;
        this.heartbeat = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "vqgen-run-lease");
            t.setDaemon(true);
            return t;
        });
    }

    static Path path(OutputLayout layout) {
        return new Path(layout.runs(), "_lease.json");
    }

    /**
     * Takes the output's lease for this run, or refuses.
     *
     * @throws JobException when another run holds a fresh lease, naming it, or when the lease cannot be written
     */
    static RunLease acquire(OutputLayout layout, Configuration conf, String runId) {
        Path path = path(layout);
        try {
            FileSystem fs = path.getFileSystem(conf);
            JsonNode held = current(fs, path);
            if (held != null) {
                Duration age = age(held);
                boolean gone = goneHere(held);
                if (age.compareTo(STALE) < 0 && !gone) {
                    throw inUse(layout, path, held, age);
                }
                LOG.warn("output {}: taking over the lease of run {} ({})", layout.root(), held.path("run_id").asText(),
                        gone ? "its process " + held.path("pid").asText() + " on this host is gone"
                                : "no heartbeat for " + age.toSeconds() + " s: it was killed or lost");
            }
            ObjectNode mine = JSON.createObjectNode()
                    .put("run_id", runId)
                    .put("nonce", UUID.randomUUID().toString())
                    .put("host", host())
                    .put("pid", ProcessHandle.current().pid())
                    .put("pid_namespace", pidNamespace())
                    .put("started", Instant.now().toString());
            RunLease lease = new RunLease(path, fs, mine);
            if (ATOMIC_CREATE.contains(fs.getScheme())) {
                if (held != null) {
                    fs.delete(path, false);
                }
                if (!lease.create()) {
                    JsonNode other = current(fs, path);
                    throw inUse(layout, path, other == null ? held : other, Duration.ZERO);
                }
            } else {
                lease.write();
                Thread.sleep(SETTLE.toMillis());
                JsonNode winner = current(fs, path);
                if (winner == null || !mine.path("nonce").equals(winner.path("nonce"))) {
                    throw winner == null ? new JobException("output " + layout.root() + ": the run lease " + path
                            + " vanished while this run took it; is another run cleaning up?")
                            : inUse(layout, path, winner, Duration.ZERO);
                }
            }
            lease.heartbeat.scheduleAtFixedRate(lease::beat, HEARTBEAT.toMillis(), HEARTBEAT.toMillis(),
                    TimeUnit.MILLISECONDS);
            return lease;
        } catch (IOException | org.apache.hadoop.fs.FSError e) {
            // Hadoop's local streams report a failed write (a full disk) as FSError, an Error
            String full = DiskFull.reason(e);
            throw new JobException("output " + layout.root() + ": cannot write the run lease " + path + " ("
                    + (full == null ? ErrorText.of(e) : "disk full: " + full) + ")", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new JobException("output " + layout.root() + ": interrupted while taking the run lease");
        }
    }

    /**
     * For a dry run, which writes nothing: refuses as {@link #acquire} would while another run holds a fresh lease.
     */
    static void checkFree(OutputLayout layout, Configuration conf) {
        Path path = path(layout);
        try {
            FileSystem fs = path.getFileSystem(conf);
            JsonNode held = current(fs, path);
            if (held != null && age(held).compareTo(STALE) < 0) {
                throw inUse(layout, path, held, age(held));
            }
        } catch (IOException e) {
            throw new JobException("output " + layout.root() + ": cannot read the run lease " + path + " ("
                    + ErrorText.of(e) + ")", e);
        }
    }

    private static JobException inUse(OutputLayout layout, Path path, JsonNode held, Duration age) {
        return new JobException("output " + layout.root() + " is in use by run " + held.path("run_id").asText()
                + " (host " + held.path("host").asText() + ", pid " + held.path("pid").asText() + ", started "
                + held.path("started").asText() + ", last heartbeat " + age.toSeconds() + " s ago): two runs into one "
                + "output would make the same images twice; wait for it to finish, or if it died, delete " + path
                + " (a lease without a heartbeat for " + STALE.toMinutes() + " minutes is taken over)");
    }

    private static JsonNode current(FileSystem fs, Path path) throws IOException {
        try (FSDataInputStream in = fs.open(path)) {
            return JSON.readTree(in.readAllBytes());
        } catch (FileNotFoundException e) {
            return null;
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            // a half-written or foreign lease: treat as stale, so that it is replaced, not trusted
            return JSON.createObjectNode().put("run_id", "unknown (unreadable lease)").put("heartbeat", 0L);
        }
    }

    private static Duration age(JsonNode held) {
        return Duration.ofMillis(Math.max(0, System.currentTimeMillis() - held.path("heartbeat").asLong(0)));
    }

    /**
     * True when the lease's process is known to be gone: same host name and same PID namespace (containers sharing a
     * host name have their own), and no process with its pid, or one started after the lease was (the pid reused).
     */
    static boolean goneHere(JsonNode held) {
        String namespace = pidNamespace();
        if (namespace.isEmpty() || !host().equals(held.path("host").asText())
                || !namespace.equals(held.path("pid_namespace").asText()) || !held.path("pid").canConvertToLong()) {
            return false;
        }
        java.util.Optional<ProcessHandle> process = ProcessHandle.of(held.path("pid").asLong());
        if (process.isEmpty()) {
            return true;
        }
        try {
            Instant started = Instant.parse(held.path("started").asText());
            return process.get().info().startInstant().map(s -> s.isAfter(started.plusSeconds(1))).orElse(false);
        } catch (java.time.format.DateTimeParseException e) {
            return false;
        }
    }

    /** The kernel's identity of this process's PID namespace ("pid:[4026531836]"), empty where there is none. */
    private static String pidNamespace() {
        try {
            return java.nio.file.Files.readSymbolicLink(java.nio.file.Path.of("/proc/self/ns/pid")).toString();
        } catch (IOException | UnsupportedOperationException | SecurityException e) {
            return "";
        }
    }

    private static String host() {
        try {
            return InetAddress.getLocalHost().getHostName();
        } catch (IOException e) {
            return "unknown";
        }
    }

    /**
     * Creates the lease only if none exists, atomically: O_EXCL on the local disk (Hadoop's local create checks, then
     * opens), the NameNode's create on HDFS. False if one exists.
     */
    private synchronized boolean create() throws IOException {
        content.put("heartbeat", System.currentTimeMillis());
        byte[] bytes = JSON.writeValueAsString(content).getBytes(StandardCharsets.UTF_8);
        try {
            if ("file".equals(fs.getScheme())) {
                java.nio.file.Files.write(java.nio.file.Path.of(fs.makeQualified(path).toUri()), bytes,
                        java.nio.file.StandardOpenOption.CREATE_NEW, java.nio.file.StandardOpenOption.WRITE);
            } else {
                try (FSDataOutputStream out = fs.create(path, false)) {
                    out.write(bytes);
                }
            }
            return true;
        } catch (java.nio.file.FileAlreadyExistsException | org.apache.hadoop.fs.FileAlreadyExistsException e) {
            return false;
        }
    }

    private synchronized void write() throws IOException {
        if (closed) {
            return;
        }
        content.put("heartbeat", System.currentTimeMillis());
        try (FSDataOutputStream out = fs.create(path, true)) {
            out.write(JSON.writeValueAsString(content).getBytes(StandardCharsets.UTF_8));
        }
    }

    private void beat() {
        try {
            write();
        } catch (IOException | RuntimeException | org.apache.hadoop.fs.FSError e) {
            LOG.warn("run {}: the lease heartbeat to {} failed ({}); another run may take the output over after {} "
                    + "minutes without one", content.path("run_id").asText(), path, ErrorText.of(e), STALE.toMinutes());
        }
    }

    /** Stops the heartbeat and removes the lease if it is still this run's. */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        heartbeat.shutdownNow();
        try {
            JsonNode held = current(fs, path);
            if (held != null && content.path("nonce").equals(held.path("nonce"))) {
                fs.delete(path, false);
            }
        } catch (IOException e) {
            LOG.warn("run {}: could not remove the lease {} ({}); the next run takes it over after {} minutes",
                    content.path("run_id").asText(), path, ErrorText.of(e), STALE.toMinutes());
        }
    }
}
