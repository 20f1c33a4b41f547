package io.vqgen.pipeline;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Native memory of the pipeline stays flat over a long run and over many runs in one JVM (sample-data/model).
 *
 * <p>What is measured: the primary measure is the count of live NDArrays in the pipeline's manager tree (weights
 * plus whatever a running call holds); it is exact and independent of the allocator, so it must return to its
 * value before the call and must not grow from one step to the next. Process RSS is a second, coarse check for
 * native memory that NDArrays do not account for; it is noisy (glibc arenas, libtorch's thread pools, JIT, heap
 * growth), so it only has to stay within a generous bound, see {@link #RSS_BOUND_MIB}.
 */
class PipelineMemoryTest {
    /**
     * One step of sample-data/model for the 3 images below with guidance allocates several MiB of activations
     * (attention maps of 2 heads x 256 x 256 floats per layer and image, guidance doubles the batch), so leaking a
     * step's work would add hundreds of MiB over the 100 steps or the 30 runs of 5 steps below; allocator noise on
     * a warm process (glibc arenas, libtorch pools, JIT code, metaspace, heap pages) measured up to 71 MiB over
     * 40 runs.
     */
    private static final long RSS_BOUND_MIB = 128;
    private static final SamplingOptions OPTIONS = SamplingOptions.defaults();
    private static VqDiffusionPipeline pipeline;

    @BeforeAll
    static void load() {
        pipeline = VqDiffusionPipeline.load(Path.of("sample-data/model"), PipelineOptions.cpu());
        pipeline.generate(OPTIONS.withSteps(10), requests(0)); // warm-up: libtorch's pools, JIT
    }

    @AfterAll
    static void close() {
        pipeline.close();
    }

    private static List<ImageRequest> requests(long seed) {
        return List.of(ImageRequest.of("a lighthouse on a rocky coast", seed),
                ImageRequest.of("a lighthouse on a rocky coast", seed + 1),
                ImageRequest.of("two cats asleep on a sofa", seed + 2));
    }

    @Test
    void aHundredStepRunHoldsTheSameArraysAtEveryStepAndFreesThemAtTheEnd() {
        int before = pipeline.liveArrays();
        List<Integer> perStep = new ArrayList<>();
        ProgressListener listener = (call, calls, timestep, images) -> perStep.add(pipeline.liveArrays());
        long rss = rssMiB();
        pipeline.generate(OPTIONS.withSteps(100), requests(7), listener);
        long grown = rssMiB() - rss;

        assertEquals(100, perStep.size());
        // the first call differs (the all-masked start); from then on every step holds exactly the same arrays
        List<Integer> steady = perStep.subList(1, perStep.size());
        assertTrue(steady.stream().allMatch(n -> n.equals(steady.get(0))), "live arrays per step: " + perStep);
        assertEquals(before, pipeline.liveArrays(), "arrays left behind by the run");
        System.out.printf("100-step run: %d live arrays per step, RSS %+d MiB%n", steady.get(0), grown);
        if (rss > 0) {
            assertTrue(grown < RSS_BOUND_MIB, "RSS grew by " + grown + " MiB over a 100-step run");
        }
    }

    @Test
    void manyRunsInOneJvmLeaveNothingBehind() {
        int before = pipeline.liveArrays();
        long rss = rssMiB();
        for (int run = 0; run < 30; run++) {
            pipeline.generate(OPTIONS.withSteps(5).withTruncationRate(run % 2 == 0 ? 1.0 : 0.8), requests(run));
            assertEquals(before, pipeline.liveArrays(), "arrays left behind by run " + run);
        }
        long grown = rssMiB() - rss;
        System.out.printf("30 runs: RSS %+d MiB%n", grown);
        if (rss > 0) {
            assertTrue(grown < RSS_BOUND_MIB, "RSS grew by " + grown + " MiB over 30 runs");
        }
    }

    /**
     * Resident set size from /proc (Linux), after a GC; -1 elsewhere, where only the array count is checked. It
     * includes heap pages the JVM touched, one more reason for a generous bound. (Subtracting the committed heap
     * does not help: committed is not resident, and that difference swung by -241 MiB over one run.)
     */
    private static long rssMiB() {
        System.gc();
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith("VmRSS:")) {
                    return Long.parseLong(line.replaceAll("\\D", "")) / 1024;
                }
            }
        } catch (IOException | NumberFormatException e) {
            return -1;
        }
        return -1;
    }
}
