package io.vqgen.eval;

import ai.djl.ndarray.NDManager;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.vqgen.eval.image.ClipImageProcessor;
import io.vqgen.eval.image.RgbImage;
import io.vqgen.model.ClipModel;
import io.vqgen.model.ClipModelConfig;
import io.vqgen.model.inception.FidInception;
import io.vqgen.weights.ComponentConfig;
import io.vqgen.weights.LoadOptions;
import io.vqgen.weights.StateDict;
import io.vqgen.text.ClipTokenizer;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Images per second of the evaluation networks on the CPU, float32: CLIP at openai/clip-vit-base-patch32's shapes
 * (ViT-B/32 vision tower, 224x224, and the 12-layer text tower) and the FID Inception at 299x299, each including its
 * preprocessing of 256x256 8-bit images (the generator's size). Weights are the shape-only stand-ins a synthesizing
 * state dict gives (dense arithmetic costs the same whatever the values). A measurement, not a test:
 * <pre>
 * mvn -q -o test-compile dependency:build-classpath -Dmdep.outputFile=target/cp.txt
 * java -Dai.djl.pytorch.num_threads=2 -cp target/test-classes:target/classes:$(cat target/cp.txt) \
 *     io.vqgen.eval.EvalBenchmark TOKENIZER_DIR [batch=16] [runs=3]
 * </pre>
 * TOKENIZER_DIR: a CLIP tokenizer folder (e.g. src/test/reference/tokenizer-clip).
 */
public final class EvalBenchmark {
    private static final String VIT_B32 = "{\"projection_dim\": 512, \"text_config\": {}, \"vision_config\": {}}";

    private EvalBenchmark() {
    }

    public static void main(String[] args) throws Exception {
        Path tokenizer = Path.of(args[0]);
        int batch = args.length > 1 ? Integer.parseInt(args[1]) : 16;
        int runs = args.length > 2 ? Integer.parseInt(args[2]) : 3;
        SplittableRandom r = new SplittableRandom(1);
        List<RgbImage> images = new ArrayList<>();
        List<String> captions = new ArrayList<>();
        for (int i = 0; i < batch; i++) {
            byte[] px = new byte[256 * 256 * 3];
            for (int j = 0; j < px.length; j++) {
                px[j] = (byte) r.nextInt(256);
            }
            images.add(new RgbImage(256, 256, px));
            captions.add("a red double decker bus driving down a busy street number " + i);
        }
        System.out.printf("threads %s, batch %d, %d runs after 1 warm-up%n",
                System.getProperty("ai.djl.pytorch.num_threads", "(libtorch default)"), batch, runs);
        try (NDManager manager = NDManager.newBaseManager()) {
            ClipModelConfig config = ClipModelConfig.from(new ComponentConfig("ViT-B/32", new ObjectMapper().readTree(VIT_B32)));
            ClipModel model = ClipModel.create(config,
                    StateDict.synthesizing("clip", 0, LoadOptions.cpuFloat32()), manager);
            ClipScorer scorer = new ClipScorer(model, ClipTokenizer.load(tokenizer), ClipImageProcessor.defaults(), manager);
            measure("CLIP ViT-B/32 image features (incl. preprocessing)", batch, runs, () -> scorer.imageEmbeddings(images));
            measure("CLIP ViT-B/32 text features", batch, runs, () -> scorer.textEmbeddings(captions));
            measure("CLIP score (both towers)", batch, runs, () -> scorer.scores(images, captions));
            FidInception inception = FidInception.create(StateDict.synthesizing("fid", 0, LoadOptions.cpuFloat32(),
                    FidInception.RANDOM_INIT), manager);
            for (FidResize resize : FidResize.values()) {
                FidFeatures features = new FidFeatures(inception, resize, manager);
                measure("FID Inception pool3, " + resize.label() + " resize", batch, runs, () -> features.features(images));
            }
            FeatureSums sums = new FeatureSums(FidInception.FEATURES);
            float[] x = new float[FidInception.FEATURES];
            Arrays.fill(x, 0.5f);
            measure("feature sums (n, Σx, Σxxᵀ) per image", batch, runs, () -> {
                for (int i = 0; i < batch; i++) {
                    sums.add(x);
                }
            });
            GaussianStats s1 = randomStats(r);
            GaussianStats s2 = randomStats(r);
            long t = System.nanoTime();
            double d = FrechetDistance.between(s1, s2).distance();
            System.out.printf("Fréchet distance, 2048 dims, full rank: %.1f s (%.3f)%n", (System.nanoTime() - t) / 1e9, d);
        }
    }

    private static GaussianStats randomStats(SplittableRandom r) {
        FeatureSums s = new FeatureSums(FidInception.FEATURES);
        float[] x = new float[FidInception.FEATURES];
        for (int n = 0; n < 2 * FidInception.FEATURES + 100; n++) {
            for (int i = 0; i < x.length; i++) {
                x[i] = (float) r.nextDouble();
            }
            s.add(x);
        }
        return s.stats();
    }

    /** Wall and process CPU seconds: on a shared machine the CPU time says what the work costs. */
    private static void measure(String what, int batch, int runs, Runnable work) {
        work.run();
        double[] seconds = new double[runs];
        double[] cpu = new double[runs];
        for (int i = 0; i < runs; i++) {
            long c = processCpuNanos();
            long t = System.nanoTime();
            work.run();
            seconds[i] = (System.nanoTime() - t) / 1e9;
            cpu[i] = (processCpuNanos() - c) / 1e9;
        }
        Arrays.sort(seconds);
        Arrays.sort(cpu);
        double median = seconds[runs / 2];
        System.out.printf("%-52s wall %.3f s, CPU %.3f s per batch of %d: %.1f images/s wall, %.1f images per CPU-second%n",
                what, median, cpu[runs / 2], batch, batch / median, batch / cpu[runs / 2]);
    }

    private static long processCpuNanos() {
        return ((com.sun.management.OperatingSystemMXBean) java.lang.management.ManagementFactory
                .getOperatingSystemMXBean()).getProcessCpuTime();
    }
}
