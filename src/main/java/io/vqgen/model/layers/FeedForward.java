package io.vqgen.model.layers;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;

/**
 * Projection in, activation, projection out. Gated (GEGLU): the projection in has twice the inner
 * width; its first half is multiplied by the activation of its second half.
 */
public final class FeedForward {
    private final Linear in;  // [inner or 2·inner, dim]
    private final Activation activation;
    private final boolean gated;
    private final Linear out; // [dimOut, inner]

    public FeedForward(Linear in, Activation activation, boolean gated, Linear out) {
        this.in = in;
        this.activation = activation;
        this.gated = gated;
        this.out = out;
    }

    /** [..., dim] → [..., dimOut], allocated in x's manager. */
    public NDArray forward(NDArray x) {
        NDArray h = in.forward(x);
        if (gated) {
            NDList halves = h.split(2, h.getShape().dimension() - 1);
            h = halves.get(0).mul(activation.apply(halves.get(1)));
        } else {
            h = activation.apply(h);
        }
        return out.forward(h);
    }
}
