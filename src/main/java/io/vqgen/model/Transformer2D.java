package io.vqgen.model;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import io.vqgen.model.layers.CallScope;
import io.vqgen.model.layers.LayerNorm;
import io.vqgen.model.layers.Linear;
import io.vqgen.model.layers.Parameters;
import io.vqgen.weights.LoadOptions;
import io.vqgen.weights.ModelFolder;
import io.vqgen.weights.StateDict;

import java.util.ArrayList;
import java.util.List;

/**
 * diffusers' {@code Transformer2DModel} on discrete input, as VQ-Diffusion uses it: token grid +
 * text embeddings + timestep → log p(x₀ | xₜ) over the codebook classes (all classes but the mask).
 */
public final class Transformer2D implements AutoCloseable {
    public static final String COMPONENT = "transformer";
    /** Elements per block of the float64 log-softmax: 512 Ki float64 = 4 MiB. */
    private static final long LOG_SOFTMAX_BLOCK_ELEMENTS = 1 << 19;

    private final Transformer2DConfig config;
    private final NDManager manager;
    private final DataType dtype;
    private final ImagePositionalEmbeddings latentImageEmbedding;
    private final List<BasicTransformerBlock> blocks;
    private final LayerNorm normOut; // [dim]
    private final Linear out;        // [numVectorEmbeds − 1, dim]

    private Transformer2D(Transformer2DConfig c, StateDict weights, NDManager manager) {
        this.config = c;
        this.manager = manager;
        this.dtype = weights.options().floatType();
        long dim = c.innerDim();
        Parameters p = Parameters.of(weights, manager);
        latentImageEmbedding = new ImagePositionalEmbeddings(p, "latent_image_embedding", c.numVectorEmbeds(),
                c.height(), c.width(), dim);
        blocks = new ArrayList<>();
        for (int i = 0; i < c.numLayers(); i++) {
            blocks.add(new BasicTransformerBlock(c, p, "transformer_blocks." + i + "."));
        }
        normOut = LayerNorm.load(p, "norm_out", dim, 1e-5, true); // nn.LayerNorm(inner_dim): torch defaults
        out = Linear.load(p, "out", dim, c.numVectorEmbeds() - 1, true);
        weights.checkAllTaken();
    }

    /** Loads the folder's {@code transformer} component; weights live in a sub-manager of {@code manager} on the options' device. */
    public static Transformer2D load(ModelFolder folder, LoadOptions options, NDManager manager) {
        return create(Transformer2DConfig.from(folder.config(COMPONENT)), folder.weights(COMPONENT, options), manager);
    }

    /** Builds the model from its config and weights; every weight must be present with its shape, none left over. */
    public static Transformer2D create(Transformer2DConfig config, StateDict weights, NDManager manager) {
        NDManager own = manager.newSubManager(weights.options().device());
        try {
            return new Transformer2D(config, weights, own);
        } catch (RuntimeException e) {
            own.close();
            throw e;
        }
    }

    /**
     * One denoising prediction: {@code log_softmax(logits.double(), dim=1).float()} as the reference computes it.
     *
     * @param tokens               int64 [B, height·width], values in [0, numVectorEmbeds) (numVectorEmbeds − 1 = mask)
     * @param encoderHiddenStates  float [B, S, crossAttentionDim] (cast to the weights' dtype); may be null only for a
     *                             model without cross-attention
     * @param timestep             in [0, numEmbedsAdaNorm) for AdaLayerNorm models
     * @return float32 [B, numVectorEmbeds − 1, height·width], owned by tokens' manager; stored with the class index
     *         fastest (a transposed view of [B, N, K−1]), so reductions and sorts over classes read contiguous memory
     */
    public NDArray logPx0(NDArray tokens, NDArray encoderHiddenStates, int timestep) {
        checkInputs(tokens, encoderHiddenStates, timestep);
        try (CallScope scope = encoderHiddenStates == null ? new CallScope(manager, tokens)
                : new CallScope(manager, tokens, encoderHiddenStates)) {
            checkTokenRange(tokens);
            NDArray t = scope.manager().create((long) timestep);
            NDArray context = encoderHiddenStates == null ? null : encoderHiddenStates.toType(dtype, false);
            NDArray x = latentImageEmbedding.forward(tokens); // [B,N,dim]
            for (BasicTransformerBlock block : blocks) {
                x = block.forward(x, context, t);
            }
            return scope.keep(logSoftmax(out.forward(normOut.forward(x))));
        }
    }

    /**
     * The two predictions classifier-free guidance needs, for the same tokens under the unconditional and the
     * conditional text: {@link #logPx0} of {@code [tokens; tokens]} with context {@code [unconditional; conditional]},
     * as diffusers batches them. The first block's self-attention, which sees only the tokens, is computed once.
     *
     * @return float32 [2B, numVectorEmbeds − 1, height·width]: the unconditional rows first, laid out as {@link #logPx0}'s
     */
    public NDArray pairedLogPx0(NDArray tokens, NDArray unconditional, NDArray conditional, int timestep) {
        checkGuidedInputs(tokens, unconditional, conditional, timestep);
        try (CallScope scope = new CallScope(manager, tokens, unconditional, conditional)) {
            checkTokenRange(tokens);
            NDArray x = pairedHiddenStates(scope.manager(), tokens, unconditional, conditional, timestep);
            return scope.keep(logSoftmax(out.forward(normOut.forward(x))));
        }
    }

    /**
     * The guided prediction {@code log_softmax(u + scale·(c − u))} of diffusers' pipeline (u, c: the unconditional
     * and conditional log-probabilities; the pipeline renormalises the mix by subtracting its logsumexp), computed
     * before the output projection: log-probabilities differ from logits by a per-token constant, which the
     * renormalisation removes, and the projection is affine with weights summing to one, so the mix equals
     * {@code log_softmax(out(hu + scale·(hc − hu)))} for the normalised hidden states hu, hc. One projection and one
     * float64 log-softmax instead of two. Equal to the pipeline's arithmetic up to float32 rounding, not bitwise:
     * {@link #pairedLogPx0} is the path that reproduces diffusers' token grids.
     *
     * @return float32 [B, numVectorEmbeds − 1, height·width], laid out as {@link #logPx0}'s
     */
    public NDArray guidedLogPx0(NDArray tokens, NDArray unconditional, NDArray conditional, int timestep, double scale) {
        if (!Double.isFinite(scale)) {
            throw new ModelException("transformer: guidance scale must be finite, got " + scale);
        }
        checkGuidedInputs(tokens, unconditional, conditional, timestep);
        try (CallScope scope = new CallScope(manager, tokens, unconditional, conditional)) {
            checkTokenRange(tokens);
            NDArray x = pairedHiddenStates(scope.manager(), tokens, unconditional, conditional, timestep);
            NDArray h = normOut.forward(x);
            long b = tokens.getShape().get(0);
            NDArray hu = h.get("0:" + b);
            NDArray mixed = h.get(b + ":").sub(hu).mul((float) scale).add(hu);
            return scope.keep(logSoftmax(out.forward(mixed)));
        }
    }

    /** Hidden states [2B, N, dim] after the last block for tokens [B, N] under the two contexts. */
    private NDArray pairedHiddenStates(NDManager work, NDArray tokens, NDArray unconditional, NDArray conditional,
                                       int timestep) {
        NDArray t = work.create((long) timestep);
        NDArray context = NDArrays.concat(new NDList(unconditional, conditional), 0).toType(dtype, false);
        NDArray x = blocks.get(0).forwardTwice(latentImageEmbedding.forward(tokens), context, t);
        for (BasicTransformerBlock block : blocks.subList(1, blocks.size())) {
            x = block.forward(x, context, t);
        }
        return x;
    }

    /**
     * log-softmax over the classes in float64, as the reference, on the layout where classes are contiguous (three
     * times faster than over dim 1 of [B,K-1,N]), a block of positions at a time so that the float64 copy stays in
     * the CPU's cache (each row is computed alone: the same bits whatever the block size).
     *
     * @param logits [B, N, K-1]
     * @return float32 [B, K-1, N], a transposed view
     */
    private static NDArray logSoftmax(NDArray logits) {
        return logSoftmax(logits, LOG_SOFTMAX_BLOCK_ELEMENTS);
    }

    /** {@link #logSoftmax(NDArray)} in blocks of about {@code blockElements} logits (at least one row). */
    static NDArray logSoftmax(NDArray logits, long blockElements) {
        Shape shape = logits.getShape();
        long rows = shape.get(0) * shape.get(1);
        long classes = shape.get(2);
        long block = Math.max(1, blockElements / classes);
        NDArray flat = logits.reshape(rows, classes);
        NDList pieces = new NDList();
        for (long r = 0; r < rows; r += block) {
            NDArray wide = flat.get(new NDIndex("{}:{}", r, Math.min(rows, r + block))).toType(DataType.FLOAT64, false);
            NDArray logp = wide.logSoftmax(-1);
            pieces.add(logp.toType(DataType.FLOAT32, false));
            wide.close(); // freed at once, so the next block reuses the same, cache-warm memory
            logp.close();
        }
        NDArray all = pieces.head();
        if (pieces.size() > 1) {
            all = NDArrays.concat(pieces, 0);
            pieces.close();
        }
        return all.reshape(shape).transpose(0, 2, 1);
    }

    private void checkGuidedInputs(NDArray tokens, NDArray unconditional, NDArray conditional, int timestep) {
        if (unconditional == null || conditional == null) {
            throw new ModelException("transformer: guidance needs both the unconditional and the conditional text states");
        }
        if (!unconditional.getShape().equals(conditional.getShape())) {
            throw new ModelException("transformer: unconditional and conditional text states must have one shape, got "
                    + unconditional.getShape() + " and " + conditional.getShape());
        }
        checkInputs(tokens, conditional, timestep);
        checkInputs(tokens, unconditional, timestep);
    }

    private void checkInputs(NDArray tokens, NDArray context, int timestep) {
        long n = config.numLatentPixels();
        if (tokens.getDataType() != DataType.INT64 || tokens.getShape().dimension() != 2 || tokens.getShape().get(1) != n
                || tokens.getShape().get(0) < 1) {
            throw new ModelException("transformer: tokens must be int64 [batch, " + n + "] (a " + config.height() + "×"
                    + config.width() + " grid), got " + tokens.getDataType() + " " + tokens.getShape());
        }
        CallScope.requireDevice("transformer", "tokens", tokens, device());
        if (context == null) {
            if (config.crossAttentionDim() != null) {
                throw new ModelException("transformer: encoder hidden states are required (the model has cross-attention)");
            }
        } else {
            long b = tokens.getShape().get(0);
            Integer cross = config.crossAttentionDim();
            if (!context.getDataType().isFloating() || context.getShape().dimension() != 3 || context.getShape().get(0) != b
                    || (cross != null && context.getShape().get(2) != cross)) {
                throw new ModelException("transformer: encoder hidden states must be float [" + b + ", tokens, "
                        + (cross == null ? "any" : cross) + "], got " + context.getDataType() + " " + context.getShape());
            }
            CallScope.requireDevice("transformer", "encoder hidden states", context, device());
        }
        if (timestep < 0 || (config.adaNorm() && timestep >= config.numEmbedsAdaNorm())) {
            throw new ModelException("transformer: timestep must be in [0, " + config.numEmbedsAdaNorm() + "), got " + timestep);
        }
    }

    private void checkTokenRange(NDArray tokens) {
        long min = tokens.min().getLong();
        long max = tokens.max().getLong();
        if (min < 0 || max >= config.numVectorEmbeds()) {
            throw new ModelException("transformer: tokens must be in [0, " + config.numVectorEmbeds() + "), found values from "
                    + min + " to " + max);
        }
    }

    public Transformer2DConfig config() {
        return config;
    }

    /** K: codebook classes + the mask class. */
    public int numVectorEmbeds() {
        return config.numVectorEmbeds();
    }

    /** The mask class, numVectorEmbeds − 1. */
    public int maskClass() {
        return config.numVectorEmbeds() - 1;
    }

    public int height() {
        return config.height();
    }

    public int width() {
        return config.width();
    }

    public int numLatentPixels() {
        return config.numLatentPixels();
    }

    /** Number of timestep embeddings (the training steps T), or null for a model without AdaLayerNorm. */
    public Integer numEmbedsAdaNorm() {
        return config.numEmbedsAdaNorm();
    }

    /** Width of the encoder hidden states, or null without cross-attention. */
    public Integer crossAttentionDim() {
        return config.crossAttentionDim();
    }

    public DataType dtype() {
        return dtype;
    }

    public Device device() {
        return manager.getDevice();
    }

    @Override
    public void close() {
        manager.close();
    }
}
