package io.vqgen.weights;

import java.io.IOException;
import java.io.InputStream;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.stream.Stream;

/**
 * A local stand-in of a remote model folder for checks that must not download the weights: every small file
 * (configs, model_index.json, the tokenizer) copied in full, each safetensors file's header copied and the file
 * extended, sparse, to its real size (so the header's offsets can be checked against it), every other large file
 * an empty sparse file of its real size. Reads a few MB however big the model is.
 */
public final class ModelSkeleton implements AutoCloseable {
    private static final long SMALL_FILE_BYTES = 4L << 20;

    private final Path dir;

    private ModelSkeleton(Path dir) {
        this.dir = dir;
    }

    public static ModelSkeleton of(ModelFiles remote) {
        Path dir;
        try {
            dir = Files.createTempDirectory("vqgen-model-check-");
        } catch (IOException e) {
            throw new WeightsException("cannot create a temporary folder to check " + remote.location() + " ("
                    + e.getMessage() + ")");
        }
        ModelSkeleton skeleton = new ModelSkeleton(dir);
        try {
            for (ModelFiles.Entry f : remote.list()) {
                Path target = dir.resolve(f.path()).normalize();
                if (!target.startsWith(dir)) {
                    throw new WeightsException(remote.location() + ": file name '" + f.path() + "' leaves the folder");
                }
                Files.createDirectories(target.getParent());
                if (f.size() <= SMALL_FILE_BYTES) {
                    try (InputStream in = remote.open(f.path(), 0)) {
                        Files.write(target, in.readNBytes((int) f.size()));
                    }
                } else {
                    byte[] head = f.path().endsWith(".safetensors") ? safetensorsHeader(remote, f) : new byte[0];
                    try (RandomAccessFile out = new RandomAccessFile(target.toFile(), "rw")) {
                        out.write(head);
                        out.setLength(f.size());
                    }
                }
            }
            return skeleton;
        } catch (IOException | RuntimeException e) {
            skeleton.close();
            if (e instanceof WeightsException w) {
                throw w;
            }
            throw new WeightsException(remote.location() + ": cannot read it (" + e.getMessage() + ")");
        }
    }

    /** The 8-byte length and the JSON header; a length that cannot be right is left for the reader to refuse. */
    private static byte[] safetensorsHeader(ModelFiles remote, ModelFiles.Entry f) throws IOException {
        byte[] length = remote.read(f.path(), 0, 8);
        long headerLength = length.length < 8 ? -1 : ByteBuffer.wrap(length).order(ByteOrder.LITTLE_ENDIAN).getLong();
        if (headerLength < 2 || headerLength > SafetensorsFile.MAX_HEADER_BYTES || 8 + headerLength > f.size()) {
            return length;
        }
        return remote.read(f.path(), 0, (int) (8 + headerLength));
    }

    public Path dir() {
        return dir;
    }

    @Override
    public void close() {
        try (Stream<Path> walk = Files.walk(dir)) {
            for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        } catch (IOException e) {
            // a leftover temporary folder is harmless; the check's own result matters
        }
    }
}
