package io.vqgen;

import org.junit.jupiter.api.Assumptions;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Tools outside the JVM that tests use as independent readers of what vqgen writes: GNU tar, Python with PIL and
 * numpy (Debian's python3-pil, python3-numpy), headless Chromium. {@code .ci/run} installs the ones a fresh
 * machine lacks; a test whose tool is missing elsewhere is skipped, saying which.
 */
public final class ExternalTools {
    private static String python;

    private ExternalTools() {
    }

    /** The output of a finished command. */
    public record Result(int exitCode, String stdout, String stderr) {
    }

    public static Result run(List<String> command, Path dir) throws IOException, InterruptedException {
        Path out = Files.createTempFile("tool", ".out");
        Path err = Files.createTempFile("tool", ".err");
        try {
            ProcessBuilder pb = new ProcessBuilder(command).redirectOutput(out.toFile()).redirectError(err.toFile());
            if (dir != null) {
                pb.directory(dir.toFile());
            }
            Process p = pb.start();
            if (!p.waitFor(3, TimeUnit.MINUTES)) {
                p.destroyForcibly();
                throw new AssertionError("timed out: " + command);
            }
            return new Result(p.exitValue(), Files.readString(out, StandardCharsets.UTF_8),
                    Files.readString(err, StandardCharsets.UTF_8));
        } finally {
            Files.deleteIfExists(out);
            Files.deleteIfExists(err);
        }
    }

    /** Runs a command that must succeed; returns its stdout. */
    public static String check(List<String> command) throws IOException, InterruptedException {
        Result r = run(command, null);
        if (r.exitCode() != 0) {
            throw new AssertionError(command + " failed (" + r.exitCode() + "):\n" + r.stdout() + r.stderr());
        }
        return r.stdout();
    }

    /** A Python 3 that imports PIL and numpy, or the test is skipped. */
    public static synchronized String python() {
        if (python == null) {
            for (String candidate : List.of("/usr/bin/python3", "python3")) {
                try {
                    if (run(List.of(candidate, "-c", "import PIL, numpy"), null).exitCode() == 0) {
                        python = candidate;
                        break;
                    }
                } catch (IOException | InterruptedException e) {
                    // try the next one
                }
            }
            if (python == null) {
                python = "";
            }
        }
        Assumptions.assumeFalse(python.isEmpty(), "no python3 with PIL and numpy (apt-get install python3-pil)");
        return python;
    }

    /** Runs a Python script (given as text) with arguments; returns its stdout. */
    public static String python(String script, String... args) throws IOException, InterruptedException {
        Path file = Files.createTempFile("check", ".py");
        try {
            Files.writeString(file, script);
            List<String> command = new ArrayList<>(List.of(python(), file.toString()));
            command.addAll(List.of(args));
            return check(command);
        } finally {
            Files.deleteIfExists(file);
        }
    }

    /** Headless Chromium's executable, or the test is skipped. */
    public static String chromium() {
        for (String candidate : List.of("chromium", "chromium-browser", "google-chrome")) {
            for (String dir : System.getenv().getOrDefault("PATH", "/usr/bin").split(":")) {
                if (Files.isExecutable(Path.of(dir, candidate))) {
                    return Path.of(dir, candidate).toString();
                }
            }
        }
        Assumptions.abort("no chromium on PATH (apt-get install chromium)");
        return null;
    }
}
