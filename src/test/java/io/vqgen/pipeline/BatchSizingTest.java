package io.vqgen.pipeline;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The arithmetic of batch_size=auto: floor((free · 0.8 − fixed) / per image), clamped to 1..256. */
class BatchSizingTest {
    private static final long MIB = 1L << 20;
    private static final long GIB = 1L << 30;

    @Test
    void fitsWhatTheShareOfFreeMemoryHolds() {
        // 10 GiB free: 8 GiB planned, minus 1 GiB fixed = 7 GiB; 7 GiB / 700 MiB = 10.24 -> 10
        assertEquals(10, new BatchSizing(10 * GIB, GIB, 700 * MIB).batchSize());
        // exactly on the boundary: 8 GiB planned / 1 GiB per image = 8
        assertEquals(8, new BatchSizing(10 * GIB, 0, GIB).batchSize());
        // one byte more per image: 7
        assertEquals(7, new BatchSizing(10 * GIB, 0, GIB + 1).batchSize());
    }

    @Test
    void neverLessThanOneNorMoreThanTheCap() {
        assertEquals(1, new BatchSizing(GIB, 2 * GIB, MIB).batchSize(), "fixed part larger than the room: 1 image");
        assertEquals(1, new BatchSizing(0, 0, MIB).batchSize(), "nothing free: still 1 image (it may fail, as batch 1 would)");
        assertEquals(1, new BatchSizing(GIB, 0, 2 * GIB).batchSize());
        assertEquals(BatchSizing.MAX_BATCH, new BatchSizing(1L << 50, 0, MIB).batchSize());
    }

    @Test
    void refusesNonsenseMeasurements() {
        assertThrows(IllegalArgumentException.class, () -> new BatchSizing(-1, 0, MIB));
        assertThrows(IllegalArgumentException.class, () -> new BatchSizing(GIB, -1, MIB));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new BatchSizing(GIB, 0, 0));
        assertTrue(e.getMessage().contains("per-image >= 1"), e.getMessage());
    }

    /**
     * On the sample model (CPU): the measurement runs, says what it measured, gives at least one image, and is made
     * once per loaded pipeline. No figure is pinned: it depends on the machine's free memory and allocator.
     */
    @Test
    void aLoadedPipelineMeasuresOnce() {
        try (VqDiffusionPipeline pipeline = VqDiffusionPipeline.load(java.nio.file.Path.of("sample-data/model"),
                PipelineOptions.cpu())) {
            BatchSizing sizing = pipeline.autoBatchSize();
            assertTrue(sizing.batchSize() >= 1);
            // the floor: 4 x one image's float64 log-probabilities (64 classes x 16 x 16 tokens x 8 bytes)
            assertTrue(sizing.perImageBytes() >= 4L * 64 * 256 * 8, sizing.toString());
            assertTrue(sizing.availableBytes() > 0, sizing.toString());
            assertTrue(sizing == pipeline.autoBatchSize(), "measured once");
        }
    }
}
