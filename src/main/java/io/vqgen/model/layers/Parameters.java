package io.vqgen.model.layers;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import io.vqgen.weights.StateDict;

/**
 * Where a model's layers take their weights from: one component's state dict (weights addressed by the reference's
 * parameter names, each shape checked), the manager that owns them, and the float type the layers compute in —
 * the load options' by default; the VQ-VAE computes in float32 when its config forces an upcast, and tests run it in
 * float64. Every layer binds its weights with a static {@code load(Parameters, prefix, …)}.
 */
public record Parameters(StateDict dict, NDManager manager, DataType floatType) {

    /** Weights in the load options' float type. */
    public static Parameters of(StateDict dict, NDManager manager) {
        return new Parameters(dict, manager, dict.options().floatType());
    }

    /** The same weights bound into another manager (e.g. a scratch scope for tables derived at load). */
    public Parameters in(NDManager other) {
        return new Parameters(dict, other, floatType);
    }

    /** A floating-point weight of the given shape, in {@link #floatType}. */
    public NDArray take(String name, long... shape) {
        return dict.take(manager, name, floatType, shape);
    }

    /** A floating-point weight in an explicit type (e.g. norm parameters kept in float32 under half-precision weights). */
    public NDArray take(String name, DataType type, long... shape) {
        return dict.take(manager, name, type, shape);
    }

    /** See {@link StateDict#storedName}: the name a weight has in this checkpoint, current or former. */
    public String storedName(String name, String formerName, long... shape) {
        return dict.storedName(name, formerName, shape);
    }
}
