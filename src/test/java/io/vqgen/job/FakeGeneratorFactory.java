package io.vqgen.job;

import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicInteger;

/** TEST DOUBLE: builds {@link FakeGenerator}s and counts how often (the once-per-JVM check). */
public final class FakeGeneratorFactory implements GeneratorFactory {
    static final AtomicInteger CREATED = new AtomicInteger();

    @Override
    public ImageGenerator create(Path modelDir, String device, String dtype) {
        CREATED.incrementAndGet();
        return new FakeGenerator(modelDir.toString());
    }
}
