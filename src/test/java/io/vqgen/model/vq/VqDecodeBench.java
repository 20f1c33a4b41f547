package io.vqgen.model.vq;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.vqgen.weights.LoadOptions;
import io.vqgen.weights.StateDict;

import java.lang.management.ManagementFactory;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Random;

/**
 * Micro-benchmark (not a test): token grids → images (codebook lookup, decode, toImage) and images → tokens
 * with seeded random weights of a config's shapes. Arguments: [config.json] [batch] [runs]; intra-op threads
 * from -Dai.djl.pytorch.num_threads (default 2). Latent grid = sample_size / downsampling factor. Prints wall
 * seconds and the process's CPU seconds (all threads), which stay meaningful on a shared, busy machine.
 */
public final class VqDecodeBench {
    private VqDecodeBench() {
    }

    public static void main(String[] args) throws Exception {
        System.setProperty("ai.djl.pytorch.num_threads", System.getProperty("ai.djl.pytorch.num_threads", "2"));
        Path file = Path.of(args.length > 0 ? args[0] : "src/test/reference/bench/config/vqvae/config.json");
        int batch = args.length > 1 ? Integer.parseInt(args[1]) : 4;
        int runs = args.length > 2 ? Integer.parseInt(args[2]) : 5;
        VqConfig config = TinyVq.read(new ObjectMapper().readTree(file.toFile()));
        int side = config.sampleSize() / config.downsampleFactor();
        try (NDManager m = NDManager.newBaseManager();
             VqModel vq = VqModel.create(config, StateDict.synthesizing(VqModel.COMPONENT, 0, LoadOptions.cpuFloat32()), m)) {
            long[] ids = new Random(0).longs((long) batch * side * side, 0, config.numVqEmbeddings()).toArray();
            NDArray tokens = m.create(ids, new Shape(batch, (long) side * side));
            NDArray images = m.randomUniform(-1, 1, new Shape(batch, config.inChannels(), config.sampleSize(),
                    config.sampleSize()));
            double[] decode = new double[runs];
            double[] encode = new double[runs];
            double[] decodeCpu = new double[runs];
            double[] encodeCpu = new double[runs];
            for (int r = -1; r < runs; r++) {
                try (NDManager call = m.newSubManager()) {
                    tokens.tempAttach(call);
                    images.tempAttach(call);
                    long c0 = cpuNanos();
                    long t0 = System.nanoTime();
                    vq.imageFromTokens(tokens, side, side).toType(DataType.FLOAT32, false).toFloatArray();
                    long c1 = cpuNanos();
                    long t1 = System.nanoTime();
                    vq.tokensFromImage(images).toLongArray();
                    long c2 = cpuNanos();
                    long t2 = System.nanoTime();
                    if (r >= 0) {
                        decode[r] = (t1 - t0) / 1e9;
                        encode[r] = (t2 - t1) / 1e9;
                        decodeCpu[r] = (c1 - c0) / 1e9;
                        encodeCpu[r] = (c2 - c1) / 1e9;
                    }
                }
            }
            System.out.printf("%s, batch %d, %s intra-op threads, %dx%d tokens -> %dx%d images%n", config, batch,
                    System.getProperty("ai.djl.pytorch.num_threads"), side, side, config.sampleSize(),
                    config.sampleSize());
            System.out.printf("tokens -> images (lookup + decode + toImage + copy to host): median %.3f s wall, "
                    + "%.3f s CPU; wall runs %s%n", median(decode), median(decodeCpu), Arrays.toString(decode));
            System.out.printf("images -> tokens (encode + quantize + copy to host): median %.3f s wall, "
                    + "%.3f s CPU; wall runs %s%n", median(encode), median(encodeCpu), Arrays.toString(encode));
        }
    }

    private static long cpuNanos() {
        return ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean())
                .getProcessCpuTime();
    }

    private static double median(double[] v) {
        double[] s = v.clone();
        Arrays.sort(s);
        return s[s.length / 2];
    }
}
