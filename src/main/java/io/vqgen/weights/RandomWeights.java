package io.vqgen.weights;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.SplittableRandom;

/**
 * Seeded stand-in weights for a parameter of a given name and shape, for models made without a
 * trained checkpoint (smoke tests, sample data, benchmarks). Each tensor's values depend only on
 * (seed, component, name), never on the order in which a model asks for them. Initialisation follows
 * a {@link WeightInit.Rule} ({@link WeightInit#DEFAULT} unless the model asks for another).
 */
final class RandomWeights {
    /** How a placeholder names its source: "(random, seed N)". */
    static final String SOURCE = "(random, seed ";
    private static final ByteBuffer ZEROS = ByteBuffer.allocateDirect(64 << 20).order(ByteOrder.LITTLE_ENDIAN);

    private final long seed;
    private final String component;
    private final WeightInit.Rule rule;

    RandomWeights(long seed, String component, WeightInit.Rule rule) {
        this.seed = seed;
        this.component = component;
        this.rule = rule;
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
        WeightInit init = rule.of(name, shape);
        if (init instanceof WeightInit.Constant c) {
            for (int i = 0; i < n; i++) {
                data.putFloat(c.value());
            }
            return data.flip();
        }
        SplittableRandom random = new SplittableRandom(mix(seed, component + "/" + name));
        if (init instanceof WeightInit.Normal normal) {
            for (int i = 0; i < n; i++) {
                data.putFloat((float) (gaussian(random) * normal.std()));
            }
        } else if (init instanceof WeightInit.Uniform u) {
            for (int i = 0; i < n; i++) {
                data.putFloat((float) (u.low() + random.nextDouble() * (u.high() - u.low())));
            }
        }
        return data.flip();
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
