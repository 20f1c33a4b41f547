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
 * seed and options, never on the other images of its call or its position in the batch.
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
        alone = pipeline.generate(OPTIONS, List.of(ImageRequest.of(PROMPT, SEED))).get(0);
    }

    @AfterAll
    static void close() {
        pipeline.close();
    }

    @Test
    void imageIsTheSameAloneAndAsTheFirstOfABatchOfOtherPrompts() {
        List<GeneratedImage> batch = pipeline.generate(OPTIONS, List.of(
                ImageRequest.of(PROMPT, SEED),
                ImageRequest.of("two cats asleep on a sofa", 7),
                ImageRequest.of("a red bus", SEED),
                ImageRequest.of("a red bus", 43)));
        assertEquals(4, batch.size());
        assertSameImage(alone, batch.get(0));
    }

    @Test
    void imageIsTheSameInAnotherPosition() {
        List<GeneratedImage> batch = pipeline.generate(OPTIONS, List.of(
                ImageRequest.of("a bowl of fruit", 3),
                ImageRequest.of("a snowy mountain", 4),
                ImageRequest.of("an empty street", 5),
                ImageRequest.of(PROMPT, SEED)));
        assertEquals(4, batch.size());
        assertSameImage(alone, batch.get(3));
    }

    @Test
    void anotherSeedGivesAnotherImage() {
        List<GeneratedImage> batch = pipeline.generate(OPTIONS, List.of(
                ImageRequest.of(PROMPT, SEED + 1), ImageRequest.of(PROMPT, SEED)));
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
