package io.vqgen.job;

import io.vqgen.eval.FidResize;
import io.vqgen.pipeline.PipelineOptions;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The JVM-wide holder of evaluation networks, as {@link GeneratorCache} holds generators: one {@link Evaluator} per
 * (CLIP folder, FID weights, resize convention, device), built by the first task that needs it and reused by every
 * later task in the same executor JVM.
 */
final class EvaluatorCache {
    private static final Logger LOG = LoggerFactory.getLogger(EvaluatorCache.class);
    private static final ConcurrentHashMap<Key, Slot> SLOTS = new ConcurrentHashMap<>();
    private static final AtomicInteger BUILDS = new AtomicInteger();

    private record Key(String clipModel, String fidWeights, FidResize resize, String device) {
    }

    private static final class Slot {
        private Evaluator evaluator;

        synchronized Evaluator get(Key key) {
            if (evaluator == null) {
                long start = System.nanoTime();
                try {
                    evaluator = Evaluator.load(key.clipModel(), key.fidWeights(), key.resize(),
                            new PipelineOptions(key.device(), "float32").djlDevice());
                } catch (RuntimeException e) {
                    throw new JobException("evaluation networks could not be loaded on " + key.device() + " ("
                            + (key.clipModel().isEmpty() ? "" : "clip_model " + key.clipModel() + " ")
                            + (key.fidWeights().isEmpty() ? "" : "fid_weights " + key.fidWeights()) + "): "
                            + e.getMessage(), e);
                }
                LOG.info("loaded evaluation networks on {} in {} s (build {} in JVM {})", key.device(),
                        String.format("%.1f", (System.nanoTime() - start) / 1e9), BUILDS.incrementAndGet(),
                        ProcessHandle.current().pid());
            }
            return evaluator;
        }

        synchronized void close() {
            if (evaluator != null) {
                evaluator.close();
                evaluator = null;
            }
        }
    }

    private EvaluatorCache() {
    }

    static Evaluator get(String clipModel, String fidWeights, FidResize resize, String device) {
        Key key = new Key(clipModel, fidWeights, resize, device);
        return SLOTS.computeIfAbsent(key, k -> new Slot()).get(key);
    }

    /** Evaluators this JVM has built since it started: one per executor JVM (and configuration) on a cluster. */
    static int builds() {
        return BUILDS.get();
    }

    static void closeAll() {
        List<Slot> slots = new ArrayList<>(SLOTS.values());
        SLOTS.clear();
        slots.forEach(Slot::close);
    }
}
