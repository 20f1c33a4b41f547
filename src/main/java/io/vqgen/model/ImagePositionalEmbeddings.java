package io.vqgen.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import io.vqgen.model.layers.Embedding;
import io.vqgen.weights.StateDict;

/** diffusers' ImagePositionalEmbeddings: latent token embedding + row embedding + column embedding. */
final class ImagePositionalEmbeddings {
    private final Embedding tokens;    // [numVectorEmbeds, dim]
    private final NDArray positions;   // [height·width, dim]: height_emb[row] + width_emb[col], row-major

    ImagePositionalEmbeddings(StateDict weights, NDManager manager, String prefix, long numEmbeds, long height, long width, long dim) {
        tokens = new Embedding(weights.take(manager, prefix + ".emb.weight", numEmbeds, dim));
        try (NDManager scratch = manager.newSubManager()) {
            NDArray rows = weights.take(scratch, prefix + ".height_emb.weight", height, dim);
            NDArray cols = weights.take(scratch, prefix + ".width_emb.weight", width, dim);
            positions = rows.reshape(height, 1, dim).add(cols.reshape(1, width, dim)).reshape(height * width, dim);
            positions.attach(manager);
        }
    }

    /** tokens int64 [B, height·width] → [B, height·width, dim], in tokens' manager. */
    NDArray forward(NDArray ids) {
        return tokens.lookup(ids).add(positions);
    }
}
