package io.vqgen;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The upstream reference fixtures the tests compare against: {@code src/test/reference} in the repository (see
 * its README for where each file came from), or the folder named by {@code -Dvqgen.reference=DIR}. A missing
 * folder is a broken checkout, not a reason to skip: the tests fail and say where they looked.
 */
public final class Reference {
    private Reference() {
    }

    public static Path dir() {
        Path dir = Path.of(System.getProperty("vqgen.reference", "src/test/reference")).toAbsolutePath().normalize();
        if (!Files.isRegularFile(dir.resolve("MANIFEST.sha256"))) {
            throw new IllegalStateException("reference fixtures not found at " + dir
                    + " (expected the repository's src/test/reference, or -Dvqgen.reference=DIR)");
        }
        return dir;
    }

    public static Path path(String first, String... more) {
        return dir().resolve(Path.of(first, more));
    }
}
