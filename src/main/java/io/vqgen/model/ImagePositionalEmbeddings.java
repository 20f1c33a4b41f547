package io.vqgen.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import io.vqgen.model.layers.Embedding;
import io.vqgen.model.layers.Parameters;

/**
 * diffusers' ImagePositionalEmbeddings (the research release's DalleMaskImageEmbedding): latent token embedding +
 * row embedding + column embedding. The research code defines the row and column embeddings on a grid that may be
 * larger than the token grid (ImageNet: a 32×32 grid for 16×16 tokens) and adds the first positions of that grid,
 * row-major: position p gets row p / gridWidth and column p % gridWidth.
 */
final class ImagePositionalEmbeddings {
    private final Embedding tokens;    // [numVectorEmbeds, dim]
    private final NDArray positions;   // [height·width, dim]: height_emb[row] + width_emb[col], row-major

    ImagePositionalEmbeddings(Parameters p, String prefix, long numEmbeds, long height, long width, long dim) {
        this(p, prefix, numEmbeds, height, width, height * width, dim);
    }

    /** Row and column embeddings on a gridHeight×gridWidth grid, of which the first {@code count} positions are used. */
    ImagePositionalEmbeddings(Parameters p, String prefix, long numEmbeds, long gridHeight, long gridWidth, long count,
                              long dim) {
        tokens = Embedding.load(p, prefix + ".emb.weight", numEmbeds, dim);
        try (NDManager scratch = p.manager().newSubManager()) {
            Parameters s = p.in(scratch);
            NDArray rows = s.take(prefix + ".height_emb.weight", gridHeight, dim);
            NDArray cols = s.take(prefix + ".width_emb.weight", gridWidth, dim);
            NDArray grid = rows.reshape(gridHeight, 1, dim).add(cols.reshape(1, gridWidth, dim))
                    .reshape(gridHeight * gridWidth, dim);
            positions = count == gridHeight * gridWidth ? grid : grid.get("0:" + count);
            positions.attach(p.manager());
        }
    }

    /** tokens int64 [B, height·width] → [B, height·width, dim], in tokens' manager. */
    NDArray forward(NDArray ids) {
        return tokens.lookup(ids).add(positions);
    }
}
