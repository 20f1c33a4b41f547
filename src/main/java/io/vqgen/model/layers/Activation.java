package io.vqgen.model.layers;

import ai.djl.ndarray.NDArray;

/** Element-wise activations of the text encoder's MLP, the transformer's feed-forward and the VQ-VAE's resnets. */
public enum Activation {
    /** x·sigmoid(1.702x): CLIP's quick_gelu and diffusers' ApproximateGELU ("geglu-approximate"). */
    QUICK_GELU {
        @Override
        public NDArray apply(NDArray x) {
            return x.mul(ai.djl.nn.Activation.sigmoid(x.mul(1.702f)));
        }
    },
    /** Exact GELU, x·Φ(x). */
    GELU {
        @Override
        public NDArray apply(NDArray x) {
            return ai.djl.nn.Activation.gelu(x);
        }
    },
    /** GELU with the tanh approximation: 0.5x(1 + tanh(√(2/π)(x + 0.044715x³))). */
    GELU_TANH {
        @Override
        public NDArray apply(NDArray x) {
            NDArray inner = x.add(x.pow(3).mul(0.044715f)).mul((float) Math.sqrt(2 / Math.PI));
            return x.mul(0.5f).mul(ai.djl.nn.Activation.tanh(inner).add(1f));
        }
    },
    RELU {
        @Override
        public NDArray apply(NDArray x) {
            return ai.djl.nn.Activation.relu(x);
        }
    },
    /** x·sigmoid(x), also called swish; the product is taken in place in the sigmoid's fresh array (same bits). */
    SILU {
        @Override
        public NDArray apply(NDArray x) {
            return ai.djl.nn.Activation.sigmoid(x).muli(x);
        }
    },
    /**
     * x·tanh(softplus(x)) with libtorch's softplus, ln(1 + eˣ), as torch's Mish. Not DJL's {@code Activation.mish}:
     * DJL 0.36 takes log₂ there (mish(−2) comes out −0.362 instead of −0.2525).
     */
    MISH {
        @Override
        public NDArray apply(NDArray x) {
            return x.getNDArrayInternal().softPlus().tanh().muli(x);
        }
    };

    /** Result allocated in x's manager; x itself is never changed. */
    public abstract NDArray apply(NDArray x);
}
