package io.vqgen.deploy;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/** The repository's deploy files, and running its scripts (or fakes of the tools they call) in a subprocess. */
final class Scripts {
    /** Surefire runs in the project folder. */
    static final Path ROOT = Path.of("").toAbsolutePath();

    private Scripts() {
    }

    record Result(int exitCode, String output) {
    }

    /** Runs {@code command} in {@code dir} with {@code env} added to this JVM's environment; output and errors merged. */
    static Result run(Path dir, Map<String, String> env, long timeoutSeconds, String... command)
            throws IOException, InterruptedException {
        ProcessBuilder pb = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true);
        pb.environment().putAll(env);
        Process p = pb.start();
        p.getOutputStream().close();
        byte[] out = p.getInputStream().readAllBytes();
        if (!p.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError(String.join(" ", command) + " did not finish in " + timeoutSeconds + " s");
        }
        return new Result(p.exitValue(), new String(out, StandardCharsets.UTF_8));
    }

    /** An executable file (a fake tool, or a test's script). */
    static Path executable(Path file, String text) throws IOException {
        Files.createDirectories(file.getParent());
        Files.writeString(file, text);
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rwxr-xr-x"));
        return file;
    }

    /** Whether a program is on the PATH. */
    static boolean onPath(String program) {
        String path = System.getenv().getOrDefault("PATH", "");
        return Stream.of(path.split(":")).anyMatch(d -> !d.isEmpty() && Files.isExecutable(Path.of(d, program)));
    }

    /** Every shell script under deploy/ (by its #! line), sorted. */
    static List<Path> shellScripts() throws IOException {
        List<Path> scripts = new ArrayList<>();
        try (Stream<Path> files = Files.walk(ROOT.resolve("deploy"))) {
            for (Path f : files.filter(Files::isRegularFile).sorted().toList()) {
                String first = Files.readAllLines(f, StandardCharsets.ISO_8859_1).stream().findFirst().orElse("");
                if (first.startsWith("#!") && (first.contains("bash") || first.endsWith("/sh"))) {
                    scripts.add(f);
                }
            }
        }
        return scripts;
    }
}
