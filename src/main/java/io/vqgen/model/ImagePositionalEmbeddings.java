package io.vqgen.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import io.vqgen.model.layers.Embedding;
import io.vqgen.model.layers.Parameters;

/** diffusers' ImagePositionalEmbeddings: latent token embedding + row embedding + column embedding. */
final class ImagePositionalEmbeddings {
    private final Embedding tokens;    // [numVectorEmbeds, dim]
    private final NDArray positions;   // [height·width, dim]: height_emb[row] + width_emb[col], row-major

    ImagePositionalEmbeddings(Parameters p, String prefix, long numEmbeds, long height, long width, long dim) {
        tokens = Embedding.load(p, prefix + ".emb.weight", numEmbeds, dim);
        try (NDManager scratch = p.manager().newSubManager()) {
            Parameters s = p.in(scratch);
            NDArray rows = s.take(prefix + ".height_emb.weight", height, dim);
            NDArray cols = s.take(prefix + ".width_emb.weight", width, dim);
            positions = rows.reshape(height, 1, dim).add(cols.reshape(1, width, dim)).reshape(height * width, dim);
            positions.attach(p.manager());
        }
    }

    /** tokens int64 [B, height·width] → [B, height·width, dim], in tokens' manager. */
    NDArray forward(NDArray ids) {
        return tokens.lookup(ids).add(positions);
    }
}
