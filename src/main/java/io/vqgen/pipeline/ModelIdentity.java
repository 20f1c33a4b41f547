package io.vqgen.pipeline;

import java.io.IOException;
import java.io.InputStream;
import java.io.Serializable;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.stream.Stream;

/**
 * Which model made an image: its folder and a content fingerprint. The fingerprint is SHA-256 over every
 * file's relative path and size, the full content of files up to 64 MiB (configs, tokenizer, small
 * weights) and the first and last MiB of larger ones (their headers and tails), so a multi-gigabyte
 * checkpoint is identified in milliseconds and any re-save or different file changes it.
 */
public record ModelIdentity(String path, String fingerprint) implements Serializable {
    private static final long FULL_HASH_LIMIT = 64L << 20;
    private static final int EDGE = 1 << 20;

    public static ModelIdentity of(Path dir) {
        try {
            MessageDigest sha = MessageDigest.getInstance("SHA-256");
            List<Path> files;
            try (Stream<Path> walk = Files.walk(dir)) {
                files = walk.filter(Files::isRegularFile).sorted().toList();
            }
            for (Path f : files) {
                long size = Files.size(f);
                sha.update((dir.relativize(f).toString().replace('\\', '/') + "\0" + size + "\0").getBytes());
                if (size <= FULL_HASH_LIMIT) {
                    try (InputStream in = Files.newInputStream(f)) {
                        sha.update(in.readAllBytes());
                    }
                } else {
                    try (FileChannel ch = FileChannel.open(f)) {
                        sha.update(read(ch, 0, EDGE));
                        sha.update(read(ch, size - EDGE, EDGE));
                    }
                }
            }
            return new ModelIdentity(dir.toAbsolutePath().normalize().toString(),
                    "sha256:" + HexFormat.of().formatHex(sha.digest()));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot fingerprint model folder " + dir, e);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static ByteBuffer read(FileChannel ch, long position, int length) throws IOException {
        ByteBuffer buf = ByteBuffer.allocate(length);
        while (buf.hasRemaining()) {
            if (ch.read(buf, position + buf.position()) < 0) {
                break;
            }
        }
        return buf.flip();
    }
}
