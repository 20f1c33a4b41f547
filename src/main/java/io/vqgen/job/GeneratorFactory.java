package io.vqgen.job;

import java.io.Serializable;
import java.nio.file.Path;

/**
 * Builds the {@link ImageGenerator} for a model folder, device and dtype. Shipped to executors with the task,
 * so it must be serialisable and cheap; the expensive {@link #create} runs at most once per key and JVM.
 * The job file's {@code generator} key names the implementation (default {@value JobConfig#DEFAULT_GENERATOR});
 * it needs a public no-argument constructor.
 */
public interface GeneratorFactory extends Serializable {
    /**
     * @param modelDir a local diffusers model folder (already checked to hold model_index.json)
     * @param device   "cpu" or "gpu:N"
     * @param dtype    "float32", "float16" or "bfloat16"
     */
    ImageGenerator create(Path modelDir, String device, String dtype);

    /** Instantiates the named factory class. */
    static GeneratorFactory named(String className) {
        Class<?> c;
        try {
            c = Class.forName(className, true, Thread.currentThread().getContextClassLoader());
        } catch (ClassNotFoundException e) {
            throw new JobException("generator: class " + className + " not found on the class path");
        }
        if (!GeneratorFactory.class.isAssignableFrom(c)) {
            throw new JobException("generator: " + className + " does not implement " + GeneratorFactory.class.getName());
        }
        try {
            return (GeneratorFactory) c.getDeclaredConstructor().newInstance();
        } catch (ReflectiveOperationException e) {
            throw new JobException("generator: cannot instantiate " + className + " (it needs a public no-argument constructor): " + e);
        }
    }
}
