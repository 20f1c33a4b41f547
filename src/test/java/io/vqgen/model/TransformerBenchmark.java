package io.vqgen.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.pytorch.jni.JniUtils;
import io.vqgen.weights.ModelFolder;

import java.lang.management.ManagementFactory;
import java.nio.file.Path;
import java.util.Arrays;

/**
 * Seconds per transformer forward ({@link Transformer2D#logPx0}, {@link Transformer2D#pairedLogPx0},
 * {@link Transformer2D#guidedLogPx0}) at the bench model's shapes (reference/bench/config) with random weights,
 * float32 on CPU. A measurement, not a test:
 * <pre>
 * mvn -q -o test-compile dependency:build-classpath -Dmdep.outputFile=target/cp.txt
 * java -cp target/test-classes:target/classes:$(cat target/cp.txt) io.vqgen.model.TransformerBenchmark [batch=2] [threads=2] [runs=5]
 * </pre>
 * Batch 2 is one image with classifier-free guidance (conditional and unconditional rows): {@code logPx0} over
 * both rows, and the two guided entry points for the one image.
 */
public final class TransformerBenchmark {
    private TransformerBenchmark() {
    }

    private static long processCpuNanos() {
        return ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean()).getProcessCpuTime();
    }

    private static void measure(String what, int runs, Runnable forward) {
        for (int i = 0; i < 2; i++) {
            forward.run();
        }
        double[] seconds = new double[runs];
        double[] cpu = new double[runs];
        for (int i = 0; i < runs; i++) {
            long cpuStart = processCpuNanos();
            long start = System.nanoTime();
            forward.run();
            seconds[i] = (System.nanoTime() - start) / 1e9;
            cpu[i] = (processCpuNanos() - cpuStart) / 1e9;
        }
        Arrays.sort(seconds);
        Arrays.sort(cpu);
        // on a shared machine the wall time includes waiting for a core; the process CPU time does not
        System.out.printf("%s: wall seconds median %.3f, min %.3f, max %.3f over %d runs; process CPU seconds median %.3f%n",
                what, seconds[runs / 2], seconds[0], seconds[runs - 1], runs, cpu[runs / 2]);
    }

    public static void main(String[] args) {
        int batch = args.length > 0 ? Integer.parseInt(args[0]) : 2;
        int threads = args.length > 1 ? Integer.parseInt(args[1]) : 2;
        int runs = args.length > 2 ? Integer.parseInt(args[2]) : 5;
        System.setProperty("ai.djl.pytorch.num_threads", String.valueOf(threads));
        System.setProperty("ai.djl.pytorch.num_interop_threads", "1");
        Path reference = io.vqgen.Reference.dir();
        ModelFolder bench = ModelFolder.open(reference.resolve("bench/config"));
        Transformer2DConfig config = Transformer2DConfig.from(bench.config("transformer"));

        try (NDManager m = NDManager.newBaseManager();
             Transformer2D transformer = Transformer2D.create(config, SyntheticWeights.transformer(config, 0), m)) {
            System.out.printf("bench transformer: %d layers, %d heads × %d, %d tokens, %d classes, cross %d; batch %d, %d threads%n",
                    config.numLayers(), config.numAttentionHeads(), config.attentionHeadDim(), config.numLatentPixels(),
                    config.numVectorEmbeds(), config.crossAttentionDim(), batch, JniUtils.getNumThreads());
            NDArray tokens = m.randomInteger(0, config.numVectorEmbeds(), new Shape(batch, config.numLatentPixels()), DataType.INT64);
            NDArray text = m.randomNormal(new Shape(batch, 77, config.crossAttentionDim())).div(20f);
            NDArray images = tokens.get("0:" + Math.max(1, batch / 2));
            NDArray uncond = text.get("0:" + images.getShape().get(0));
            NDArray cond = text.get("-" + images.getShape().get(0) + ":");
            measure("logPx0 (one pass over all rows)", runs, () -> transformer.logPx0(tokens, text, 50).close());
            measure("pairedLogPx0 (guidance, reference mode)", runs,
                    () -> transformer.pairedLogPx0(images, uncond, cond, 50).close());
            measure("guidedLogPx0 (guidance, per-image mode)", runs,
                    () -> transformer.guidedLogPx0(images, uncond, cond, 50, 5.0).close());
        }
    }
}
