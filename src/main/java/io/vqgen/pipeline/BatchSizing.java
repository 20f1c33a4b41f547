package io.vqgen.pipeline;

/**
 * {@code batch_size=auto}: how many images one generation call may take, from the memory free before the first
 * call and what a call was measured to take (a fixed part plus a part per image).
 *
 * <p>Only a share of the free memory is planned for: the rest absorbs what one measurement cannot see (allocator
 * fragmentation, other prompts' text lengths, other work of the process), and on the CPU the page cache and other
 * processes that MemAvailable counts as reclaimable.
 */
public record BatchSizing(long availableBytes, long fixedBytes, long perImageBytes) {
    /** Share of the free memory a batch may take. */
    public static final double SHARE = 0.8;
    /** The largest batch chosen, whatever the memory (past a few dozen images a GPU step gains nothing more). */
    public static final int MAX_BATCH = 256;

    public BatchSizing {
        if (availableBytes < 0 || fixedBytes < 0 || perImageBytes < 1) {
            throw new IllegalArgumentException("batch sizing needs available >= 0, fixed >= 0 and per-image >= 1 bytes, got "
                    + availableBytes + ", " + fixedBytes + ", " + perImageBytes);
        }
    }

    /** floor((available · {@value #SHARE} − fixed) / per image), at least 1, at most {@value #MAX_BATCH}. */
    public int batchSize() {
        double room = availableBytes * SHARE - fixedBytes;
        long fits = room <= 0 ? 0 : (long) Math.floor(room / perImageBytes);
        return (int) Math.max(1, Math.min(MAX_BATCH, fits));
    }

    @Override
    public String toString() {
        return String.format("batch %d: %.0f MiB free, %.0f MiB per call + %.0f MiB per image", batchSize(),
                availableBytes / 1048576.0, fixedBytes / 1048576.0, perImageBytes / 1048576.0);
    }
}
