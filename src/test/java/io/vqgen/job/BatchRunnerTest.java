package io.vqgen.job;

import io.vqgen.pipeline.GeneratedImage;
import io.vqgen.pipeline.ImageRequest;
import io.vqgen.pipeline.ModelIdentity;
import io.vqgen.pipeline.SamplingOptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.function.UnaryOperator;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

class BatchRunnerTest {
    private static final SamplingOptions S = SamplingOptions.defaults().withSteps(5);

    /** Wraps the test double, recording each call's requests and optionally rewriting its answer. */
    private static final class Recording implements ImageGenerator {
        final FakeGenerator inner = new FakeGenerator("/m");
        final List<List<ImageRequest>> calls = new ArrayList<>();
        final List<SamplingOptions> options = new ArrayList<>();
        UnaryOperator<List<GeneratedImage>> answer = UnaryOperator.identity();

        @Override
        public List<GeneratedImage> generate(SamplingOptions sampling, List<ImageRequest> images) {
            calls.add(images);
            options.add(sampling);
            return answer.apply(inner.generate(sampling, images));
        }

        @Override
        public String samplerName(SamplingOptions sampling) {
            return inner.samplerName(sampling);
        }

        @Override
        public ModelIdentity identity() {
            return inner.identity();
        }

        @Override
        public byte[] encodePng(GeneratedImage image) {
            return inner.encodePng(image);
        }

        @Override
        public void close() {
        }
    }

    private final Recording generator = new Recording();

    @BeforeEach
    void reset() {
        FakeGenerator.reset();
    }

    private static List<ImageTask> tasks(WorkItem item) {
        List<ImageTask> out = new ArrayList<>();
        for (int i : item.indices()) {
            out.add(new ImageTask(item, i));
        }
        return out;
    }

    private static void assertImageOf(ImageTask task, Outcome o) {
        Outcome.Generated g = assertInstanceOf(Outcome.Generated.class, o);
        assertEquals(task, g.task());
        assertArrayEquals(FakeGenerator.tokens(task.item().prompt(), task.seed(), task.item().sampling()), g.image().tokens());
    }

    @Test
    void oneCallWithTheBatchOptionsAndEveryImageInTaskOrder() {
        WorkItem a = new WorkItem("a", "first", null, S, 100, new int[] {0, 2});
        WorkItem b = new WorkItem("b", "second", null, S, 7, new int[] {1});
        List<ImageTask> batch = new ArrayList<>(tasks(a));
        batch.addAll(tasks(b));
        List<Outcome> out = new BatchRunner(generator).run(S, batch);

        assertEquals(List.of(S), generator.options);
        List<ImageRequest> requests = generator.calls.get(0);
        assertEquals(List.of(100L, 102L, 8L), requests.stream().map(ImageRequest::seed).toList(), "image i uses base + i");
        assertEquals(List.of("first", "first", "second"), requests.stream().map(ImageRequest::prompt).toList());
        assertEquals(3, out.size());
        for (int i = 0; i < batch.size(); i++) {
            assertEquals(batch.get(i), out.get(i).task());
            assertImageOf(batch.get(i), out.get(i));
        }
    }

    @Test
    void aFailingBatchIsRetriedInHalvesDownToSingleImages() {
        WorkItem ok = new WorkItem("ok", "fine", null, S, 1, new int[] {0, 1, 2});
        WorkItem oom = new WorkItem("oom", "[oom] only alone", null, S, 50, new int[] {0});
        WorkItem fail = new WorkItem("fail", "[fail] never", null, S, 60, new int[] {0});
        List<ImageTask> batch = new ArrayList<>(tasks(ok));
        batch.addAll(tasks(oom));
        batch.addAll(tasks(fail));

        List<Outcome> out = new BatchRunner(generator).run(S, batch);

        assertEquals(List.of(5, 2, 3, 1, 2, 1, 1), List.copyOf(FakeGenerator.CALLS),
                "5 fails; [ok0 ok1] works; [ok2 oom fail] fails; ok2 works; [oom fail] fails; oom alone works; fail alone fails");
        assertEquals(5, out.size());
        for (int i = 0; i < 4; i++) {
            assertImageOf(batch.get(i), out.get(i));
        }
        Outcome.Failed failed = assertInstanceOf(Outcome.Failed.class, out.get(4));
        assertEquals(batch.get(4), failed.task());
        assertEquals("IllegalStateException: simulated failure for '[fail] never'", failed.error());
    }

    @Test
    void aGeneratorThatLosesImagesFailsThoseImages() {
        WorkItem a = new WorkItem("a", "p", null, S, 1, new int[] {0, 1});
        generator.answer = images -> images.subList(0, images.size() - 1);
        List<Outcome> out = new BatchRunner(generator).run(S, tasks(a));
        assertEquals(2, out.size());
        for (Outcome o : out) {
            Outcome.Failed f = assertInstanceOf(Outcome.Failed.class, o);
            assertTrue(f.error().startsWith("IllegalStateException: the generator returned 0 images for 1"), f.error());
        }
    }
}
