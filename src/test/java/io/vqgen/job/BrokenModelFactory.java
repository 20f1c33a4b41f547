package io.vqgen.job;

import java.nio.file.Path;

/** TEST DOUBLE: a model whose weights cannot be loaded (what the real factory does with a broken folder). */
public final class BrokenModelFactory implements GeneratorFactory {
    @Override
    public ImageGenerator create(Path modelDir, String device, String dtype) {
        throw new IllegalArgumentException(modelDir.resolve("transformer") + ": no weights file found");
    }
}
