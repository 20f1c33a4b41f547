package io.vqgen.cluster;

import io.vqgen.job.GeneratorFactory;
import io.vqgen.job.ImageGenerator;
import io.vqgen.job.PipelineGeneratorFactory;
import io.vqgen.pipeline.GeneratedImage;
import io.vqgen.pipeline.ImageRequest;
import io.vqgen.pipeline.ModelIdentity;
import io.vqgen.pipeline.SamplingOptions;
import org.apache.spark.TaskContext;
import org.apache.spark.resource.ResourceInformation;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;

/**
 * The job's real generator, held at a gate so that a test can kill an executor JVM in the middle of a task: the
 * first batch in each JVM writes {@code <gate dir>/waiting-<pid>} (the pipeline is built by then), holding the
 * task's GPU addresses from {@code TaskContext.resources()} comma-separated, and waits
 * until {@code <gate dir>/open} exists. The gate folder comes from the executors' system property
 * {@value #GATE_PROPERTY} ({@code spark.executor.extraJavaOptions}).
 */
public final class GatedGeneratorFactory implements GeneratorFactory {
    static final String GATE_PROPERTY = "vqgen.test.gate";
    private static final long serialVersionUID = 1L;

    @Override
    public ImageGenerator create(Path modelDir, String device, String dtype) {
        ImageGenerator real = new PipelineGeneratorFactory().create(modelDir, device, dtype);
        Path gate = Path.of(System.getProperty(GATE_PROPERTY));
        return new ImageGenerator() {
            @Override
            public List<GeneratedImage> generate(SamplingOptions sampling, List<ImageRequest> images) {
                awaitGate(gate);
                return real.generate(sampling, images);
            }

            @Override
            public String samplerName(SamplingOptions sampling) {
                return real.samplerName(sampling);
            }

            @Override
            public ModelIdentity identity() {
                return real.identity();
            }

            @Override
            public byte[] encodePng(GeneratedImage image) {
                return real.encodePng(image);
            }

            @Override
            public void close() {
                real.close();
            }
        };
    }

    private static void awaitGate(Path gate) {
        try {
            Path open = gate.resolve("open");
            if (Files.exists(open)) {
                return;
            }
            Files.createDirectories(gate);
            Path waiting = gate.resolve("waiting-" + ProcessHandle.current().pid());
            if (!Files.exists(waiting)) {
                ResourceInformation gpu = TaskContext.get().resourcesJMap().get("gpu");
                Path partial = gate.resolve(".partial-" + ProcessHandle.current().pid());
                Files.writeString(partial, gpu == null ? "" : String.join(",", gpu.addresses()));
                Files.move(partial, waiting, StandardCopyOption.ATOMIC_MOVE); // the test reads it as soon as it exists
            }
            for (long waited = 0; !Files.exists(open); waited += 100) {
                if (waited > 300_000) {
                    throw new IllegalStateException("gate " + open + " not opened within 5 minutes");
                }
                Thread.sleep(100);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted at the gate", e);
        }
    }
}
