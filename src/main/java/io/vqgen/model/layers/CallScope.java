package io.vqgen.model.layers;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import io.vqgen.model.ModelException;

import java.util.function.UnaryOperator;

/**
 * Native memory of one forward call, and of each layer within it. Intermediates are allocated in a sub-manager of
 * the model's manager (DJL allocates an op's result in its first operand's manager, so the inputs are borrowed into
 * it for the call, and layers apply ops to the activation first, never to a weight); closing the scope frees them
 * and hands the inputs back. Only the result, passed through {@link #keep}, survives, owned by the manager of the
 * first input.
 */
public final class CallScope implements AutoCloseable {
    private final NDManager work;
    private final NDManager caller;

    public CallScope(NDManager model, NDArray... inputs) {
        this.caller = inputs[0].getManager();
        this.work = model.newSubManager();
        for (NDArray input : inputs) {
            input.tempAttach(work);
        }
    }

    public NDManager manager() {
        return work;
    }

    public NDArray keep(NDArray result) {
        result.attach(caller);
        return result;
    }

    @Override
    public void close() {
        work.close();
    }

    /**
     * Applies a layer and consumes its input: the input and the layer's temporaries are freed with a child manager;
     * only the output survives, in the input's manager. Keeps a deep network's peak memory at about one layer's
     * worth instead of all of them (at 256×256 every full activation not kept saves a pass of page faults).
     */
    public static NDArray advance(NDArray x, UnaryOperator<NDArray> layer) {
        NDManager owner = x.getManager();
        try (NDManager scope = owner.newSubManager()) {
            x.attach(scope);
            NDArray out = layer.apply(x);
            out.attach(owner);
            return out;
        }
    }

    /** Inputs must already be where the weights are: a model never moves data between devices behind the caller's back. */
    public static void requireDevice(String model, String what, NDArray input, Device device) {
        if (!input.getDevice().equals(device)) {
            throw new ModelException(model + ": " + what + " is on " + input.getDevice() + " but the model is on " + device
                    + " (move the input with toDevice first)");
        }
    }
}
