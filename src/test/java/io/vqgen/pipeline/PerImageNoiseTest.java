package io.vqgen.pipeline;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

/**
 * Per-image noise on the real pipeline (sample-data/model, random weights): an image depends only on its prompt,
 * seed and options, never on the other images of its call, their options or its position in the batch.
 */
class PerImageNoiseTest {
    private static final SamplingOptions OPTIONS = SamplingOptions.defaults().withSteps(6);
    private static final String PROMPT = "a lighthouse on a rocky coast";
    private static final long SEED = 42;
    private static VqDiffusionPipeline pipeline;
    private static GeneratedImage alone;

    @BeforeAll
    static void load() {
        pipeline = VqDiffusionPipeline.load(Path.of("sample-data/model"), PipelineOptions.cpu());
        alone = pipeline.generate(List.of(GenerationRequest.of(PROMPT, SEED, OPTIONS))).get(0);
    }

    @AfterAll
    static void close() {
        pipeline.close();
    }

    @Test
    void imageIsTheSameAloneAndAsTheFirstOfABatchOfOtherPrompts() {
        List<GeneratedImage> batch = pipeline.generate(List.of(
                GenerationRequest.of(PROMPT, SEED, OPTIONS),
                GenerationRequest.of("two cats asleep on a sofa", 7, OPTIONS),
                new GenerationRequest("a red bus", new long[] {SEED, 43}, OPTIONS, null)));
        assertEquals(4, batch.size());
        assertSameImage(alone, batch.get(0));
    }

    @Test
    void imageIsTheSameInAnotherPositionBesideRequestsWithOtherOptions() {
        List<GeneratedImage> batch = pipeline.generate(List.of(
                GenerationRequest.of("a bowl of fruit", 3, OPTIONS.withGuidanceScale(2.0).withTruncationRate(0.8)),
                GenerationRequest.of("a snowy mountain", 4, OPTIONS),
                GenerationRequest.of("an empty street", 5, OPTIONS.withSteps(4)),
                GenerationRequest.of(PROMPT, SEED, OPTIONS)));
        assertEquals(4, batch.size());
        assertEquals(3, batch.get(3).request());
        assertSameImage(alone, batch.get(3));
    }

    @Test
    void anotherSeedGivesAnotherImage() {
        List<GeneratedImage> batch = pipeline.generate(List.of(
                new GenerationRequest(PROMPT, new long[] {SEED + 1, SEED}, OPTIONS, null)));
        assertSameImage(alone, batch.get(1));
        assertFalse(java.util.Arrays.equals(alone.tokens(), batch.get(0).tokens()), "seeds 42 and 43 give one grid");
        assertFalse(java.util.Arrays.equals(alone.rgb(), batch.get(0).rgb()), "seeds 42 and 43 give one image");
    }

    private static void assertSameImage(GeneratedImage expected, GeneratedImage actual) {
        assertEquals(expected.seed(), actual.seed());
        assertArrayEquals(expected.tokens(), actual.tokens(), "token grid");
        assertArrayEquals(expected.rgb(), actual.rgb(), "8-bit pixels");
    }
}
