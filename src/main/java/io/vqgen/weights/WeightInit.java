package io.vqgen.weights;

/**
 * How a synthesized weight is filled (see {@link StateDict#synthesizing}): a constant, or seeded draws from a
 * normal or uniform distribution. An {@link Rule} picks one per tensor from its name and shape.
 */
public sealed interface WeightInit {
    record Constant(float value) implements WeightInit {
    }

    record Normal(double std) implements WeightInit {
    }

    /** Uniform on [low, high). */
    record Uniform(double low, double high) implements WeightInit {
    }

    /** Chooses the initialisation of each tensor. */
    @FunctionalInterface
    interface Rule {
        WeightInit of(String name, long[] shape);
    }

    /**
     * The usual conventions, so that activations stay in range: biases 0, norm scales 1, embeddings N(0, 0.02²),
     * classifier-free embeddings N(0, 1), other weights N(0, 1/fan_in).
     */
    Rule DEFAULT = (name, shape) -> {
        if (name.endsWith(".bias")) {
            return new Constant(0f);
        }
        if (isNormScale(name, shape)) {
            return new Constant(1f);
        }
        if (shape.length <= 1 || name.contains("embedding")) {
            return new Normal(name.equals("embeddings") ? 1.0 : 0.02);
        }
        return new Normal(1.0 / Math.sqrt(fanIn(shape)));
    };

    private static boolean isNormScale(String name, long[] shape) {
        String leaf = name.substring(0, name.length() - (name.endsWith(".weight") ? ".weight".length() : 0));
        leaf = leaf.substring(leaf.lastIndexOf('.') + 1);
        return shape.length == 1 && name.endsWith(".weight") && (leaf.contains("norm") || leaf.startsWith("ln"));
    }

    /** Inputs per output unit: the product of every dimension but the first. */
    static long fanIn(long[] shape) {
        long f = 1;
        for (int i = 1; i < shape.length; i++) {
            f *= shape[i];
        }
        return Math.max(f, 1);
    }
}
