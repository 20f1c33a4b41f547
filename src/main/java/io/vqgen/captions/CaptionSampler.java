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
    static final String IMAGE_ID = "image_id";

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

    /**
     * One caption per image: of the captions sharing an {@code image_id}, the one with the smallest key
     * SHA-256(seed, id) (as {@link #sample} ranks them), in the table's order. MSCOCO has about five captions per
     * image; the usual FID protocol draws 30,000 images with one caption each, which is this followed by
     * {@link #sample}.
     */
    public static CaptionTable onePerImage(CaptionTable table, long seed) {
        int column = -1;
        for (int i = 0; i < table.columns().size(); i++) {
            if (table.columns().get(i).name().equals(IMAGE_ID)) {
                column = i;
            }
        }
        if (column < 0) {
            throw new CaptionsException("--one-per-image needs an '" + IMAGE_ID + "' column to group captions by "
                    + "image (MSCOCO annotations have one: --format coco); this source has "
                    + (table.columns().isEmpty() ? "no extra columns" : "columns " + table.columns().stream()
                    .map(Column::name).toList()));
        }
        MessageDigest sha = sha256();
        java.util.Map<Object, Caption> best = new java.util.HashMap<>();
        java.util.Map<Object, Long> bestKey = new java.util.HashMap<>();
        for (Caption c : table.rows()) {
            Object image = c.extras().get(column);
            if (image == null) {
                throw new CaptionsException("caption '" + c.id() + "' has no " + IMAGE_ID + " (--one-per-image needs one "
                        + "on every caption)");
            }
            long key = key(sha, seed, c.id());
            Long known = bestKey.get(image);
            if (known == null || key < known || key == known && c.id().compareTo(best.get(image).id()) < 0) {
                bestKey.put(image, key);
                best.put(image, c);
            }
        }
        java.util.Set<Caption> keep = java.util.Collections.newSetFromMap(new java.util.IdentityHashMap<>());
        keep.addAll(best.values());
        return table.withRows(table.rows().stream().filter(keep::contains).toList());
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
