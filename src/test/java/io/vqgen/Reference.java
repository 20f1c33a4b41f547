package io.vqgen;

import org.junit.jupiter.api.Assumptions;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The reference fixtures in ../shared/reference (beside the project). Tests that need them skip,
 * saying why, on a clone without them; .ci/run refuses to run without them so CI never skips.
 */
public final class Reference {
    private Reference() {
    }

    public static Path dir() {
        Path dir = Path.of(System.getProperty("vqgen.reference", "../shared/reference")).toAbsolutePath().normalize();
        Assumptions.assumeTrue(Files.isDirectory(dir),
                "reference fixtures not found at " + dir + " (set -Dvqgen.reference=DIR); skipping");
        return dir;
    }

    public static Path path(String first, String... more) {
        return dir().resolve(Path.of(first, more));
    }
}
