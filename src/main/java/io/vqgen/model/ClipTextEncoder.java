package io.vqgen.model;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import io.vqgen.model.layers.CallScope;
import io.vqgen.model.layers.Embedding;
import io.vqgen.model.layers.LayerNorm;
import io.vqgen.model.layers.Parameters;
import io.vqgen.weights.LoadOptions;
import io.vqgen.weights.ModelFolder;
import io.vqgen.weights.StateDict;

import java.util.ArrayList;
import java.util.List;

/**
 * transformers' {@code CLIPTextModel} (eager attention) up to {@code last_hidden_state}: token +
 * position embeddings, pre-norm blocks of causal self-attention and MLP, final layer norm. The
 * pipeline passes no attention mask, so padding tokens are attended to like any other token (only
 * the causal mask applies), and the output depends on the pad id.
 */
public final class ClipTextEncoder implements AutoCloseable {
    public static final String COMPONENT = "text_encoder";
    private static final String P = "text_model.";

    private final ClipTextConfig config;
    private final NDManager manager;
    private final Embedding tokenEmbedding;    // [vocab, hidden]
    private final Embedding positionEmbedding; // [maxPositions, hidden]
    private final List<ClipEncoderLayer> layers;
    private final LayerNorm finalLayerNorm;    // [hidden]

    private ClipTextEncoder(ClipTextConfig config, StateDict weights, NDManager manager) {
        this.config = config;
        this.manager = manager;
        long h = config.hiddenSize();
        double eps = config.layerNormEps();
        Parameters p = Parameters.of(weights, manager);
        tokenEmbedding = Embedding.load(p, P + "embeddings.token_embedding.weight", config.vocabSize(), h);
        positionEmbedding = Embedding.load(p, P + "embeddings.position_embedding.weight", config.maxPositionEmbeddings(), h);
        weights.ignore(P + "embeddings.position_ids"); // int64 buffer = arange(maxPositions); recomputed per call
        layers = new ArrayList<>();
        for (int i = 0; i < config.numHiddenLayers(); i++) {
            layers.add(ClipEncoderLayer.load(p, P + "encoder.layers." + i + ".", config.hiddenSize(),
                    config.intermediateSize(), config.numAttentionHeads(), eps, config.hiddenAct()));
        }
        finalLayerNorm = LayerNorm.load(p, P + "final_layer_norm", h, eps, true);
        weights.checkAllTaken();
    }

    /** Loads the folder's {@code text_encoder} component; weights live in a sub-manager of {@code manager} on the options' device. */
    public static ClipTextEncoder load(ModelFolder folder, LoadOptions options, NDManager manager) {
        return create(ClipTextConfig.from(folder.config(COMPONENT)), folder.weights(COMPONENT, options), manager);
    }

    /**
     * Builds the model from its config and weights (for the text tower of a larger model, e.g. CLIPModel's
     * {@code text_model.*}, a part of that model's weights); every weight must be present with its shape, none left
     * over.
     */
    public static ClipTextEncoder create(ClipTextConfig config, StateDict weights, NDManager manager) {
        NDManager own = manager.newSubManager(weights.options().device());
        try {
            return new ClipTextEncoder(config, weights, own);
        } catch (RuntimeException e) {
            own.close();
            throw e;
        }
    }

    /**
     * {@code CLIPTextModel(ids).last_hidden_state}.
     *
     * @param ids int64 [B, S], 1 ≤ S ≤ max_position_embeddings, on the model's device
     * @return float32 [B, S, hidden] (whatever the weights dtype), owned by ids' manager
     */
    public NDArray lastHiddenState(NDArray ids) {
        checkIds(ids);
        try (CallScope scope = new CallScope(manager, ids)) {
            checkIdRange(ids);
            return scope.keep(forward(scope.manager(), ids).toType(DataType.FLOAT32, false));
        }
    }

    /**
     * What the pipeline's {@code _encode_prompt} gives the transformer: last_hidden_state / ‖·‖₂ over the hidden dimension.
     *
     * @param ids int64 [B, S] as for {@link #lastHiddenState}
     * @return float32 [B, S, hidden], owned by ids' manager
     */
    public NDArray encodeNormalized(NDArray ids) {
        checkIds(ids);
        try (CallScope scope = new CallScope(manager, ids)) {
            checkIdRange(ids);
            NDArray x = forward(scope.manager(), ids).toType(DataType.FLOAT32, false);
            return scope.keep(x.div(x.norm(new int[] {-1}, true)));
        }
    }

    private NDArray forward(NDManager work, NDArray ids) {
        int s = (int) ids.getShape().get(1);
        NDArray positions = work.arange(0, s, 1, DataType.INT64);
        NDArray x = tokenEmbedding.lookup(ids).add(positionEmbedding.lookup(positions)); // [B,S,H]
        NDArray mask = causalMask(positions);
        for (ClipEncoderLayer layer : layers) {
            x = layer.forward(x, mask);
        }
        return finalLayerNorm.forward(x);
    }

    /** [S, S] float32: 0 where key ≤ query, float32's lowest value above the diagonal, as transformers builds it. */
    private static NDArray causalMask(NDArray positions) {
        long s = positions.size();
        NDArray keyAfterQuery = positions.reshape(1, s).gt(positions.reshape(s, 1));
        return keyAfterQuery.toType(DataType.FLOAT32, false).mul(-Float.MAX_VALUE);
    }

    private void checkIds(NDArray ids) {
        if (ids.getDataType() != DataType.INT64 || ids.getShape().dimension() != 2
                || ids.getShape().get(1) < 1 || ids.getShape().get(1) > config.maxPositionEmbeddings() || ids.getShape().get(0) < 1) {
            throw new ModelException("text encoder: ids must be int64 [batch, 1.." + config.maxPositionEmbeddings()
                    + "], got " + ids.getDataType() + " " + ids.getShape());
        }
        CallScope.requireDevice("text encoder", "ids", ids, device());
    }

    private void checkIdRange(NDArray ids) {
        long min = ids.min().getLong();
        long max = ids.max().getLong();
        if (min < 0 || max >= config.vocabSize()) {
            throw new ModelException("text encoder: token ids must be in [0, " + config.vocabSize() + "), found values from "
                    + min + " to " + max);
        }
    }

    public ClipTextConfig config() {
        return config;
    }

    public int hiddenSize() {
        return config.hiddenSize();
    }

    public int maxPositionEmbeddings() {
        return config.maxPositionEmbeddings();
    }

    public Device device() {
        return manager.getDevice();
    }

    @Override
    public void close() {
        manager.close();
    }
}
