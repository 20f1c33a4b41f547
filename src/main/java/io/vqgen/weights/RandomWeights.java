package io.vqgen.weights;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.SplittableRandom;

/**
 * Seeded stand-in weights for a parameter of a given name and shape, for models made without a
 * trained checkpoint (smoke tests, sample data, benchmarks). Each tensor's values depend only on
 * (seed, component, name), never on the order in which a model asks for them. Initialisation follows
 * the usual conventions so activations stay in range: biases 0, norm scales 1, other weights
 * N(0, 1/fan_in) and classifier-free embeddings N(0, 1).
 */
final class RandomWeights {
    /** How a placeholder names its source: "(random, seed N)". */
    static final String SOURCE = "(random, seed ";
    private static final ByteBuffer ZEROS = ByteBuffer.allocateDirect(64 << 20).order(ByteOrder.LITTLE_ENDIAN);

    private final long seed;
    private final String component;

    RandomWeights(long seed, String component) {
        this.seed = seed;
        this.component = component;
    }

    /**
     * A placeholder of the right name, type and shape whose bytes are zeros: enough to build a model from its config
     * without holding the random values (an ITHQ-sized transformer would need gigabytes); {@link #values} makes
     * the real ones when the checkpoint is written, one tensor at a time.
     */
    RawTensor placeholder(String name, long[] shape) {
        long bytes = Math.multiplyExact(RawTensor.elementCount(shape), 4L);
        ByteBuffer data = bytes <= ZEROS.capacity() ? ZEROS.duplicate().limit((int) bytes)
                : ByteBuffer.allocateDirect(Math.toIntExact(bytes));
        return new RawTensor(name, StorageType.F32, shape, data, SOURCE + seed + ")");
    }

    /** The seeded float32 values of a tensor, little-endian. */
    ByteBuffer values(String name, long[] shape) {
        int n = Math.toIntExact(RawTensor.elementCount(shape));
        ByteBuffer data = ByteBuffer.allocate(n * 4).order(ByteOrder.LITTLE_ENDIAN);
        if (name.endsWith(".bias")) {
            fill(data, n, 0f);
        } else if (isNormScale(name, shape)) {
            fill(data, n, 1f);
        } else {
            double std = shape.length <= 1 || name.contains("embedding") ? (name.equals("embeddings") ? 1.0 : 0.02)
                    : 1.0 / Math.sqrt(fanIn(shape));
            SplittableRandom random = new SplittableRandom(mix(seed, component + "/" + name));
            for (int i = 0; i < n; i++) {
                data.putFloat((float) (gaussian(random) * std));
            }
        }
        return data.flip();
    }

    private static boolean isNormScale(String name, long[] shape) {
        String leaf = name.substring(0, name.length() - (name.endsWith(".weight") ? ".weight".length() : 0));
        leaf = leaf.substring(leaf.lastIndexOf('.') + 1);
        return shape.length == 1 && name.endsWith(".weight") && (leaf.contains("norm") || leaf.startsWith("ln"));
    }

    private static long fanIn(long[] shape) {
        long f = 1;
        for (int i = 1; i < shape.length; i++) {
            f *= shape[i];
        }
        return Math.max(f, 1);
    }

    private static void fill(ByteBuffer data, int n, float v) {
        for (int i = 0; i < n; i++) {
            data.putFloat(v);
        }
    }

    private static double gaussian(SplittableRandom random) {
        // Box–Muller: SplittableRandom has no nextGaussian on Java 17
        double u1 = 1.0 - random.nextDouble();
        double u2 = random.nextDouble();
        return Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * u2);
    }

    private static long mix(long seed, String key) {
        long h = seed * 0x9E3779B97F4A7C15L;
        for (int i = 0; i < key.length(); i++) {
            h = (h ^ key.charAt(i)) * 0x100000001B3L;
        }
        return h;
    }
}
