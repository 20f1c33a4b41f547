package io.vqgen.fuzz;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;

/** A temporary folder a fuzz target writes its inputs into (one per target class, removed when the JVM exits). */
public final class Scratch {
    /** Separates the files of a multi-file input (a byte no JSON or text file of ours may contain). */
    public static final byte FILE_SEPARATOR = 0;

    private final Path dir;

    public Scratch(String name) {
        try {
            dir = Files.createTempDirectory("vqgen-fuzz-" + name + "-");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        Runtime.getRuntime().addShutdownHook(new Thread(() -> deleteTree(dir)));
    }

    public Path dir() {
        return dir;
    }

    public Path write(String relative, byte[] bytes) {
        try {
            Path file = dir.resolve(relative);
            Files.createDirectories(file.getParent());
            return Files.write(file, bytes);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Writes one input as several files: the input split at {@link #FILE_SEPARATOR} into at most
     * {@code names.length} parts, part i becoming file i; a file whose part is absent (fewer separators) is deleted,
     * so that "missing" is fuzzed as well as "empty" and "malformed".
     */
    public void writeFiles(byte[] input, String... names) {
        List<byte[]> parts = split(input, names.length);
        for (int i = 0; i < names.length; i++) {
            if (i < parts.size()) {
                write(names[i], parts.get(i));
            } else {
                try {
                    Files.deleteIfExists(dir.resolve(names[i]));
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            }
        }
    }

    /** The inverse of {@link #writeFiles}: files' bytes joined by the separator (to make seeds). */
    public static byte[] join(List<byte[]> files) {
        int size = files.stream().mapToInt(f -> f.length + 1).sum() - 1;
        byte[] out = new byte[Math.max(size, 0)];
        int at = 0;
        for (byte[] f : files) {
            if (at > 0) {
                out[at++] = FILE_SEPARATOR;
            }
            System.arraycopy(f, 0, out, at, f.length);
            at += f.length;
        }
        return out;
    }

    static List<byte[]> split(byte[] input, int max) {
        List<byte[]> parts = new ArrayList<>();
        int start = 0;
        for (int i = 0; i < input.length && parts.size() < max - 1; i++) {
            if (input[i] == FILE_SEPARATOR) {
                parts.add(Arrays.copyOfRange(input, start, i));
                start = i + 1;
            }
        }
        parts.add(Arrays.copyOfRange(input, start, input.length));
        return parts;
    }

    /** Copies a folder tree into the scratch folder (fixed files around the fuzzed ones). */
    public void copyTree(Path source, String relative) {
        try (Stream<Path> files = Files.walk(source)) {
            for (Path p : files.toList()) {
                Path target = dir.resolve(relative).resolve(source.relativize(p).toString());
                if (Files.isDirectory(p)) {
                    Files.createDirectories(target);
                } else {
                    Files.copy(p, target);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void deleteTree(Path root) {
        try (Stream<Path> files = Files.walk(root)) {
            files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException | UncheckedIOException ignored) {
            // best effort at exit
        }
    }
}
