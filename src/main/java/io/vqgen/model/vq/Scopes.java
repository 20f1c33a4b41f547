package io.vqgen.model.vq;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;

import java.util.function.UnaryOperator;

/**
 * Per-layer memory scoping. DJL puts an op's result in the manager of its first operand, so every layer
 * here applies ops to the activation first (never to a weight): then all of a layer's temporaries land in
 * the activation's manager. In-place ops ({@code muli}, {@code addi}) are only ever applied to a layer's own
 * fresh temporaries, never to its input: at 256×256 every avoided allocation of a full activation saves
 * a pass of page faults.
 */
final class Scopes {
    private Scopes() {
    }

    /**
     * Applies a layer and consumes its input: the input and the layer's temporaries are freed with a child
     * manager; only the output survives, in the input's manager. Keeps a deep network's peak memory at about
     * one layer's worth instead of all of them.
     */
    static NDArray advance(NDArray x, UnaryOperator<NDArray> layer) {
        NDManager owner = x.getManager();
        try (NDManager scope = owner.newSubManager()) {
            x.attach(scope);
            NDArray out = layer.apply(x);
            out.attach(owner);
            return out;
        }
    }
}
