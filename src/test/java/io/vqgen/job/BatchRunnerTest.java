package io.vqgen.job;

import io.vqgen.pipeline.GeneratedImage;
import io.vqgen.pipeline.GenerationRequest;
import io.vqgen.pipeline.ModelIdentity;
import io.vqgen.pipeline.SamplingOptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Collections;
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
        final List<List<GenerationRequest>> calls = new ArrayList<>();
        UnaryOperator<List<GeneratedImage>> answer = UnaryOperator.identity();

        @Override
        public List<GeneratedImage> generate(List<GenerationRequest> requests) {
            calls.add(requests);
            return answer.apply(inner.generate(requests));
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
    void oneRequestPerRowAndEveryImageMappedBackToItsTask() {
        WorkItem a = new WorkItem("a", "first", S, 100, new int[] {0, 2});
        WorkItem b = new WorkItem("b", "second", S.withGuidanceScale(2), 7, new int[] {1});
        List<ImageTask> batch = new ArrayList<>(tasks(a));
        batch.addAll(tasks(b));
        // Answer in reverse order: the runner must map by (request, index), not by position.
        generator.answer = images -> {
            List<GeneratedImage> r = new ArrayList<>(images);
            Collections.reverse(r);
            return r;
        };
        List<Outcome> out = new BatchRunner(generator).run(batch);

        assertEquals(1, generator.calls.size());
        List<GenerationRequest> requests = generator.calls.get(0);
        assertEquals(2, requests.size());
        assertArrayEquals(new long[] {100, 102}, requests.get(0).seeds(), "image i uses base + i");
        assertArrayEquals(new long[] {8}, requests.get(1).seeds());
        assertEquals(S.withGuidanceScale(2), requests.get(1).sampling());
        assertEquals(3, out.size());
        for (Outcome o : out) {
            assertImageOf(o.task(), o);
        }
    }

    @Test
    void aFailingBatchIsRetriedInHalvesDownToSingleImages() {
        WorkItem ok = new WorkItem("ok", "fine", S, 1, new int[] {0, 1, 2});
        WorkItem oom = new WorkItem("oom", "[oom] only alone", S, 50, new int[] {0});
        WorkItem fail = new WorkItem("fail", "[fail] never", S, 60, new int[] {0});
        List<ImageTask> batch = new ArrayList<>(tasks(ok));
        batch.addAll(tasks(oom));
        batch.addAll(tasks(fail));

        List<Outcome> out = new BatchRunner(generator).run(batch);

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
        WorkItem a = new WorkItem("a", "p", S, 1, new int[] {0, 1});
        generator.answer = images -> images.subList(0, images.size() - 1);
        List<Outcome> out = new BatchRunner(generator).run(tasks(a));
        assertEquals(2, out.size());
        for (Outcome o : out) {
            Outcome.Failed f = assertInstanceOf(Outcome.Failed.class, o);
            assertTrue(f.error().startsWith("IllegalStateException: the generator returned 0 images for 1"), f.error());
        }
    }
}
