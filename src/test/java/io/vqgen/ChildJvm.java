package io.vqgen;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Predicate;

/** A JVM started by a test with this JVM's class path and module flags, its output in a log file. */
public final class ChildJvm {
    private final Process process;
    private final Path log;

    private ChildJvm(Process process, Path log) {
        this.process = process;
        this.log = log;
    }

    /** Runs {@code mainClass args} in a JVM of its own (small heap, C1 only: short-lived test JVMs on 2 cores). */
    public static ChildJvm start(String mainClass, List<String> args, Path log) throws IOException {
        return start(List.of(), mainClass, args, log, null);
    }

    /**
     * As {@link #start(String, List, Path)} with more JVM options (system properties); with {@code stderr} not null
     * the child's stderr goes there and only its stdout to {@code log}.
     */
    public static ChildJvm start(List<String> jvmOptions, String mainClass, List<String> args, Path log, Path stderr)
            throws IOException {
        return start(System.getProperty("java.class.path"), jvmOptions, mainClass, args, log, stderr);
    }

    /** As {@link #start(List, String, List, Path, Path)} on another class path (e.g. {@link #mainClassPath()}). */
    public static ChildJvm start(String classPath, List<String> jvmOptions, String mainClass, List<String> args,
                                 Path log, Path stderr) throws IOException {
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.addAll(List.of("-Xmx768m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1"));
        cmd.addAll(moduleOptions());
        cmd.addAll(jvmOptions);
        cmd.addAll(List.of("-cp", classPath, mainClass));
        cmd.addAll(args);
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectOutput(log.toFile())
                .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
        if (stderr == null) {
            pb.redirectErrorStream(true);
        } else {
            pb.redirectError(stderr.toFile());
        }
        pb.environment().put("SPARK_LOCAL_IP", "127.0.0.1");
        return new ChildJvm(pb.start(), log);
    }

    /**
     * This JVM's class path without the test classes: what a user's JVM has (the application and its dependencies),
     * so that the child's logging is configured as a user's is, not by the tests' log4j2-test.properties.
     */
    public static String mainClassPath() {
        return java.util.Arrays.stream(System.getProperty("java.class.path").split(java.io.File.pathSeparator))
                .filter(e -> !Path.of(e).getFileName().toString().equals("test-classes"))
                .collect(java.util.stream.Collectors.joining(java.io.File.pathSeparator));
    }

    /** The --add-opens flags this JVM got from the build (Spark needs them on Java 17). */
    public static List<String> moduleOptions() {
        return ManagementFactory.getRuntimeMXBean().getInputArguments().stream()
                .filter(a -> a.startsWith("--add-opens") || a.startsWith("-Djdk.reflect") || a.startsWith("-Dio.netty"))
                .toList();
    }

    public long pid() {
        return process.pid();
    }

    /**
     * Waits until {@code ready} holds (polled), failing if the JVM exits first or the time runs out.
     */
    public void await(Predicate<ChildJvm> ready, Duration timeout, String what) throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!ready.test(this)) {
            if (!process.isAlive()) {
                throw new AssertionError("the child JVM exited (" + process.exitValue() + ") before " + what + ":\n"
                        + logTail(40));
            }
            if (System.nanoTime() > deadline) {
                killHard();
                throw new AssertionError("no " + what + " within " + timeout + ":\n" + logTail(40));
            }
            Thread.sleep(50);
        }
    }

    /** SIGTERM (shutdown hooks run), as a pod being deleted or a scheduler stopping the job does. */
    public void terminate() {
        process.destroy();
    }

    /** SIGKILL (no shutdown hooks, no finally blocks), and waits until it is gone; returns the exit status. */
    public int killHard() throws InterruptedException {
        process.destroyForcibly();
        return process.waitFor();
    }

    public int waitFor(Duration timeout) throws InterruptedException {
        if (!process.waitFor(timeout.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS)) {
            killHard();
            throw new AssertionError("the child JVM did not finish within " + timeout + ":\n" + logTail(40));
        }
        return process.exitValue();
    }

    public String logTail(int lines) {
        try {
            List<String> all = Files.readAllLines(log, StandardCharsets.ISO_8859_1);
            return String.join("\n", all.subList(Math.max(0, all.size() - lines), all.size()));
        } catch (IOException e) {
            return "(no log: " + e + ")";
        }
    }
}
