package io.vqgen.model.layers;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.SparseFormat;

/** {@code torch.nn.Embedding}: rows of a table by integer index. */
public final class Embedding {
    private final NDArray table; // [num, dim]

    public Embedding(NDArray table) {
        this.table = table;
    }

    /** Binds the table {@code name} [num, dim]. */
    public static Embedding load(Parameters p, String name, long num, long dim) {
        return new Embedding(p.take(name, num, dim));
    }

    /** ids [...] int64 → [..., dim], allocated in ids' manager. */
    public NDArray lookup(NDArray ids) {
        return lookup(ids, table);
    }

    public static NDArray lookup(NDArray ids, NDArray table) {
        return ids.getNDArrayInternal().embedding(ids, table, SparseFormat.DENSE).singletonOrThrow();
    }
}
