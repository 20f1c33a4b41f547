package io.vqgen.diffusion;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;

import java.util.function.UnaryOperator;

/**
 * The memory discipline of a sampling run: the token grid is the only state carried from one network call to the
 * next; everything a call creates lives in a sub-manager closed when the call ends.
 */
final class TokenLoop implements AutoCloseable {
    private final NDArray initial;
    private final NDManager work;
    private NDArray tokens;

    /**
     * Checks the initial grid: int64 [B, N], and on the {@link StepPath#HOST} path every value a class
     * 0..numClasses-1. The {@link StepPath#DEVICE} path reads nothing back: its caller checks the grid on the host
     * before uploading it (as the pipeline does), and the model's embedding lookup refuses other values.
     */
    TokenLoop(NDArray initial, int numClasses, StepPath path) {
        Shape shape = initial.getShape();
        if (shape.dimension() != 2 || shape.get(0) < 1 || shape.get(1) < 1) {
            throw new IllegalArgumentException("initial tokens must be [batch, tokens], got " + shape);
        }
        if (initial.getDataType() != DataType.INT64) {
            throw new IllegalArgumentException("initial tokens must be int64, got " + initial.getDataType());
        }
        if (path == StepPath.HOST) {
            checkRange(initial, numClasses);
        }
        this.initial = initial;
        this.work = initial.getManager().newSubManager();
        this.tokens = initial;
    }

    private static void checkRange(NDArray initial, int numClasses) {
        long min;
        long max;
        try (NDManager scope = initial.getManager().newSubManager()) {
            scope.tempAttachAll(initial);
            min = initial.min().getLong();
            max = initial.max().getLong();
        }
        if (min < 0 || max >= numClasses) {
            throw new IllegalArgumentException("initial tokens must be classes 0.." + (numClasses - 1)
                    + " (" + (numClasses - 1) + " = mask), found values in " + min + ".." + max);
        }
    }

    NDArray tokens() {
        return tokens;
    }

    /**
     * Replaces the tokens by {@code step.apply(tokens)}, evaluated in a fresh sub-manager: arrays computed from
     * the tokens are created there and freed when the step returns, except the result.
     */
    void update(UnaryOperator<NDArray> step) {
        NDArray old = tokens;
        NDArray next;
        try (NDManager scope = work.newSubManager()) {
            scope.tempAttachAll(old);
            next = step.apply(old);
            if (next == old) {
                next = old.duplicate();
            }
            next.attach(work);
        }
        if (old != initial) {
            old.close();
        }
        tokens = next;
    }

    /** The final tokens, handed to the initial grid's manager. */
    NDArray finish() {
        NDArray out = tokens == initial ? initial.duplicate() : tokens;
        out.attach(initial.getManager());
        return out;
    }

    @Override
    public void close() {
        work.close();
    }
}
