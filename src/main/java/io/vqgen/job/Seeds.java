package io.vqgen.job;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;

/**
 * Which seed an image uses. Like {@code vqgen generate --seed N --num-images n}, image {@code i} of a row
 * uses {@code base + i}. The base is the row's {@code seed} column when set, else derived from the run seed
 * and the id alone: the first 8 bytes of SHA-256 over the UTF-8 text {@code "<run_seed>:<id>"}, read as a
 * big-endian number and shifted right by 2 bits (so {@code base + i} stays a non-negative signed 64-bit value).
 * Neither partitioning, batch size, input order nor the other rows change an image's seed.
 */
public final class Seeds {
    private Seeds() {
    }

    public static long derivedBase(long runSeed, String id) {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256")
                    .digest((runSeed + ":" + id).getBytes(StandardCharsets.UTF_8));
            return ByteBuffer.wrap(digest, 0, Long.BYTES).getLong() >>> 2;
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The base seed of a row: its own seed when given, else the derived one. */
    public static long base(Long rowSeed, long runSeed, String id) {
        return rowSeed != null ? rowSeed : derivedBase(runSeed, id);
    }
}
