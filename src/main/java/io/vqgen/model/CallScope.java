package io.vqgen.model;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;

/**
 * Native memory of one forward call. Intermediates are allocated in a sub-manager of the model's
 * manager (DJL allocates an op's result in its first operand's manager, so the inputs are borrowed
 * into it for the call); closing the scope frees them and hands the inputs back. Only the result,
 * passed through {@link #keep}, survives, owned by the manager of the first input.
 */
final class CallScope implements AutoCloseable {
    private final NDManager work;
    private final NDManager caller;

    CallScope(NDManager model, NDArray... inputs) {
        this.caller = inputs[0].getManager();
        this.work = model.newSubManager();
        for (NDArray input : inputs) {
            input.tempAttach(work);
        }
    }

    NDManager manager() {
        return work;
    }

    NDArray keep(NDArray result) {
        result.attach(caller);
        return result;
    }

    @Override
    public void close() {
        work.close();
    }

    /** Inputs must already be where the weights are: a model never moves data between devices behind the caller's back. */
    static void requireDevice(String model, String what, NDArray input, Device device) {
        if (!input.getDevice().equals(device)) {
            throw new ModelException(model + ": " + what + " is on " + input.getDevice() + " but the model is on " + device
                    + " (move the input with toDevice first)");
        }
    }
}
