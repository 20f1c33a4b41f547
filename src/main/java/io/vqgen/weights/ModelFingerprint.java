package io.vqgen.weights;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * A model folder's content fingerprint: SHA-256 over every file's relative path and size, the full content of files
 * up to 64 MiB (configs, tokenizer, small weights) and the first and last MiB of larger ones (their headers and
 * tails). A multi-gigabyte checkpoint is identified in milliseconds, any re-save or different file changes it, and
 * the same folder gives the same fingerprint wherever it lives (local disk, S3, HDFS), so a remote folder and its
 * local copy can be compared without reading either in full.
 */
public final class ModelFingerprint {
    private static final long FULL_HASH_LIMIT = 64L << 20;
    private static final int EDGE = 1 << 20;

    private ModelFingerprint() {
    }

    /** "sha256:" and 64 hex digits. */
    public static String of(ModelFiles files) throws IOException {
        MessageDigest sha;
        try {
            sha = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
        for (ModelFiles.Entry f : files.list()) {
            sha.update((f.path() + "\0" + f.size() + "\0").getBytes(StandardCharsets.UTF_8));
            if (f.size() <= FULL_HASH_LIMIT) {
                update(sha, files, f.path(), 0, f.size());
            } else {
                update(sha, files, f.path(), 0, EDGE);
                update(sha, files, f.path(), f.size() - EDGE, EDGE);
            }
        }
        return "sha256:" + HexFormat.of().formatHex(sha.digest());
    }

    private static void update(MessageDigest sha, ModelFiles files, String path, long offset, long length)
            throws IOException {
        byte[] buffer = new byte[1 << 16];
        long left = length;
        try (InputStream in = files.open(path, offset)) {
            while (left > 0) {
                int n = in.read(buffer, 0, (int) Math.min(buffer.length, left));
                if (n < 0) {
                    throw new IOException(files.location() + "/" + path + ": ended " + left
                            + " bytes early while fingerprinting (changed or truncated while being read?)");
                }
                sha.update(buffer, 0, n);
                left -= n;
            }
        }
    }
}
