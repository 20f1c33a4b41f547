package io.vqgen.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;

import java.util.function.UnaryOperator;

/**
 * Runs a network's layers one after the other so that each layer's intermediates are freed as soon as the layer
 * returns: only the running hidden state lives from one layer to the next. Without this every intermediate of every
 * layer stays in the call's manager until the call ends, and a call's memory grows with the number of layers (at ITHQ's
 * width about 0.5 GB per block at batch 1 with guidance, measured; 36 blocks: 13.9 GB per call).
 *
 * <p>DJL allocates an operation's result in its first operand's manager, so for the layer the hidden state and the
 * {@code shared} inputs (context, timestep, mask: anything a layer uses as a first operand) are borrowed into a
 * sub-manager of the call; closing it frees what the layer made and hands them back.
 */
final class LayerScope {
    /** Told, after each layer, what the call's manager holds: for memory tests and figures. */
    @FunctionalInterface
    interface Observer {
        Observer NONE = (layer, call) -> {
        };

        void afterLayer(int layer, NDManager call);
    }

    private final NDManager call;
    private final Observer observer;
    private final NDArray[] shared;
    private int layers;

    /**
     * @param call   the call's manager: the hidden state given to {@link #next} lives there, and so does each result
     * @param shared inputs every layer reads (nulls are skipped); they stay owned by their managers
     */
    LayerScope(NDManager call, Observer observer, NDArray... shared) {
        this.call = call;
        this.observer = observer;
        this.shared = java.util.Arrays.stream(shared).filter(java.util.Objects::nonNull).toArray(NDArray[]::new);
    }

    /**
     * {@code layer.apply(x)} with its intermediates freed on return. {@code x} is closed afterwards unless
     * {@code keepInput} (the call's own input, or an array someone else still reads).
     *
     * @return the layer's output, in the call's manager
     */
    NDArray next(NDArray x, boolean keepInput, UnaryOperator<NDArray> layer) {
        NDArray out;
        try (NDManager work = call.newSubManager()) {
            work.tempAttachAll(x);
            for (NDArray s : shared) {
                s.tempAttach(work);
            }
            out = layer.apply(x);
            out.attach(call);
        }
        if (!keepInput) {
            x.close();
        }
        observer.afterLayer(layers++, call);
        return out;
    }
}
