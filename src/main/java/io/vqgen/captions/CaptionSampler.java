package io.vqgen.captions;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * Draws N captions reproducibly: each caption gets the key SHA-256(seed, id), and the N smallest keys win, in
 * key order. The sample depends only on the seed and the set of ids, not on the order of the file, and the
 * first k rows of a sample of N are the sample of k with the same seed.
 */
public final class CaptionSampler {
    private CaptionSampler() {
    }

    public static CaptionTable sample(CaptionTable table, int n, long seed) {
        if (n < 1) {
            throw new CaptionsException("--sample must be at least 1, got " + n);
        }
        if (n > table.size()) {
            throw new CaptionsException("cannot sample " + n + " captions: the source has only " + table.size());
        }
        record Keyed(long key, Caption caption) {
        }
        MessageDigest sha = sha256();
        List<Keyed> keyed = new ArrayList<>(table.size());
        for (Caption c : table.rows()) {
            keyed.add(new Keyed(key(sha, seed, c.id()), c));
        }
        keyed.sort(Comparator.comparingLong(Keyed::key).thenComparing(k -> k.caption().id()));
        List<Caption> chosen = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            chosen.add(keyed.get(i).caption());
        }
        return table.withRows(chosen);
    }

    /** The first 8 bytes of SHA-256(seed as 8 big-endian bytes ‖ id as UTF-8), compared as a signed long. */
    static long key(MessageDigest sha, long seed, String id) {
        sha.reset();
        sha.update(ByteBuffer.allocate(Long.BYTES).putLong(seed).array());
        sha.update(id.getBytes(StandardCharsets.UTF_8));
        return ByteBuffer.wrap(sha.digest()).getLong();
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("the JVM lacks SHA-256", e);
        }
    }
}
