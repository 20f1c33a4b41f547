package io.vqgen.model;

import ai.djl.engine.EngineException;
import ai.djl.ndarray.NDArray;
import io.vqgen.model.layers.Embedding;

/**
 * Embedding lookups whose ids are range-checked by the lookup itself, so that a forward call never reads its ids back
 * to the host to check them (on a GPU that read is a copy and a synchronisation per call, i.e. per denoising step).
 *
 * <p>On the CPU libtorch refuses an id outside the table ({@code index out of range in self}); that error is turned
 * into the model's own message, for which the ids are read only then. On CUDA an id outside the table is a device-side
 * assertion, so ids that come from the host are checked there before they are uploaded (the pipeline checks initial
 * token grids, class labels and prompt ids that way, and samplers only ever write classes of the model).
 */
final class IdLookup {
    private IdLookup() {
    }

    /**
     * Rows of {@code table} [rows, dim] for {@code ids}, whose valid values are exactly 0..rows-1.
     *
     * @param message the start of the error for ids outside the table, e.g. {@code "transformer: tokens"}
     */
    static NDArray lookup(Embedding table, NDArray ids, long rows, String message) {
        try {
            return table.lookup(ids);
        } catch (EngineException e) {
            throw outOfRange(ids, rows, message, e);
        }
    }

    /** {@link #lookup(Embedding, NDArray, long, String)} for a table held as an array. */
    static NDArray lookup(NDArray table, NDArray ids, String message) {
        try {
            return Embedding.lookup(ids, table);
        } catch (EngineException e) {
            throw outOfRange(ids, table.getShape().get(0), message, e);
        }
    }

    /** The model's message when the ids are outside [0, rows), else the engine's own error. */
    private static RuntimeException outOfRange(NDArray ids, long rows, String message, EngineException cause) {
        long min = ids.min().getLong();
        long max = ids.max().getLong();
        if (min < 0 || max >= rows) {
            return new ModelException(message + " must be in [0, " + rows + "), found values from " + min + " to " + max);
        }
        return cause;
    }
}
