package io.vqgen.pipeline;

import io.vqgen.weights.LocalModelFiles;
import io.vqgen.weights.ModelFingerprint;

import java.io.IOException;
import java.io.Serializable;
import java.io.UncheckedIOException;
import java.nio.file.Path;

/** Which model made an image: its folder and its content fingerprint ({@link ModelFingerprint}). */
public record ModelIdentity(String path, String fingerprint) implements Serializable {
    public static ModelIdentity of(Path dir) {
        try {
            return new ModelIdentity(dir.toAbsolutePath().normalize().toString(),
                    ModelFingerprint.of(new LocalModelFiles(dir)));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot fingerprint model folder " + dir, e);
        }
    }
}
