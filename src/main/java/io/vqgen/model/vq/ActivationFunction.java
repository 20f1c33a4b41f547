package io.vqgen.model.vq;

import ai.djl.ndarray.NDArray;
import ai.djl.nn.Activation;
import io.vqgen.weights.WeightsException;

/** The {@code act_fn} values diffusers' {@code get_activation} accepts. */
public enum ActivationFunction {
    SILU {
        @Override
        public NDArray apply(NDArray x) {
            return Activation.sigmoid(x).muli(x);
        }
    },
    MISH {
        @Override
        public NDArray apply(NDArray x) {
            return Activation.mish(x);
        }
    },
    /** The exact (erf) GELU, as {@code nn.GELU()}. */
    GELU {
        @Override
        public NDArray apply(NDArray x) {
            return Activation.gelu(x);
        }
    },
    RELU {
        @Override
        public NDArray apply(NDArray x) {
            return Activation.relu(x);
        }
    };

    public abstract NDArray apply(NDArray x);

    static ActivationFunction fromConfig(String name) {
        return switch (name.toLowerCase(java.util.Locale.ROOT)) {
            case "silu", "swish" -> SILU;
            case "mish" -> MISH;
            case "gelu" -> GELU;
            case "relu" -> RELU;
            default -> throw new WeightsException("vqvae config: act_fn '" + name
                    + "' is not supported (expected silu, swish, mish, gelu or relu)");
        };
    }
}
