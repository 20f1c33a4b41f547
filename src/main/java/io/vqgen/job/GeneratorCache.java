package io.vqgen.job;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The JVM-wide holder of loaded generators: one per (factory class, model, device, dtype), built by the first
 * task that needs it and reused by every later task in the same executor JVM. A static map, not a field of the
 * task closure: closures are deserialised afresh for every task, statics live as long as the executor.
 */
public final class GeneratorCache {
    private static final Logger LOG = LoggerFactory.getLogger(GeneratorCache.class);
    private static final ConcurrentHashMap<Key, Slot> SLOTS = new ConcurrentHashMap<>();
    private static final AtomicInteger BUILDS = new AtomicInteger();

    private record Key(String factory, String model, String device, String dtype) {
    }

    /** The local folder of the model: resolved by the first task that needs the generator (a remote model is copied). */
    @FunctionalInterface
    public interface LocalFolder {
        Path get();
    }

    /** Loads on first use; concurrent callers for the same key wait for that one load. */
    private static final class Slot {
        private ImageGenerator generator;

        synchronized ImageGenerator get(GeneratorFactory factory, Key key, LocalFolder folder) {
            if (generator == null) {
                long start = System.nanoTime();
                try {
                    generator = factory.create(folder.get(), key.device(), key.dtype());
                } catch (RuntimeException e) {
                    throw new JobException("model " + key.model() + " could not be loaded on " + key.device()
                            + " (" + key.dtype() + "): " + e.getMessage(), e);
                }
                int builds = BUILDS.incrementAndGet();
                LOG.info("loaded model {} on {} ({}) in {} s (build {} in JVM {})", key.model(), key.device(), key.dtype(),
                        String.format("%.1f", (System.nanoTime() - start) / 1e9), builds, ProcessHandle.current().pid());
            }
            return generator;
        }

        synchronized void close() {
            if (generator != null) {
                generator.close();
                generator = null;
            }
        }
    }

    private GeneratorCache() {
    }

    /**
     * @param model  the model as the job names it (a folder or a remote URI): the cache key
     * @param folder where its local folder is, asked only when this JVM builds the generator
     */
    public static ImageGenerator get(GeneratorFactory factory, String model, LocalFolder folder, String device,
                                     String dtype) {
        Key key = new Key(factory.getClass().getName(), model, device, dtype);
        return SLOTS.computeIfAbsent(key, k -> new Slot()).get(factory, key, folder);
    }

    /** Generators this JVM has built since it started (closing them does not reset it): one per executor JVM on a cluster. */
    public static int builds() {
        return BUILDS.get();
    }

    /** Closes and forgets every loaded generator (end of a local run; tests). */
    public static void closeAll() {
        List<Slot> slots = new ArrayList<>(SLOTS.values());
        SLOTS.clear();
        slots.forEach(Slot::close);
    }
}
