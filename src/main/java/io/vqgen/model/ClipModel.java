package io.vqgen.model;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import io.vqgen.model.layers.CallScope;
import io.vqgen.model.layers.Linear;
import io.vqgen.model.layers.Parameters;
import io.vqgen.weights.LoadOptions;
import io.vqgen.weights.StateDict;
import io.vqgen.weights.TransformersFolder;

/**
 * transformers' {@code CLIPModel}: the text tower ({@link ClipTextEncoder} on {@code text_model.*}), the vision
 * tower ({@link ClipVisionEncoder} on {@code vision_model.*}) and their projections into the shared embedding
 * space ({@code text_projection}, {@code visual_projection}, no bias), with {@code logit_scale}. Weights are
 * addressed by transformers' names, so a hub folder such as openai/clip-vit-base-patch32 loads as downloaded.
 */
public final class ClipModel implements AutoCloseable {
    private final ClipModelConfig config;
    private final NDManager manager;
    private final ClipTextEncoder text;
    private final ClipVisionEncoder vision;
    private final Linear textProjection;   // [projection, text hidden]
    private final Linear visualProjection; // [projection, vision hidden]
    private final float logitScale;

    private ClipModel(ClipModelConfig config, StateDict weights, NDManager manager) {
        this.config = config;
        this.manager = manager;
        text = ClipTextEncoder.create(config.text(), weights.part("CLIPModel text_model", "text_model."), manager);
        try {
            vision = ClipVisionEncoder.create(config.vision(), weights.part("CLIPModel vision_model", "vision_model."),
                    manager);
        } catch (RuntimeException e) {
            text.close();
            throw e;
        }
        int width = config.projectionDim();
        Parameters p = Parameters.of(weights, manager);
        textProjection = Linear.load(p, "text_projection", config.text().hiddenSize(), width, false);
        visualProjection = Linear.load(p, "visual_projection", config.vision().hiddenSize(), width, false);
        logitScale = p.take("logit_scale").toType(DataType.FLOAT32, false).getFloat();
        weights.checkAllTaken();
    }

    /** Loads a CLIPModel folder (config.json, model.safetensors or pytorch_model.bin). */
    public static ClipModel load(TransformersFolder folder, LoadOptions options, NDManager manager) {
        ClipModelConfig config = ClipModelConfig.from(folder.config());
        return create(config, folder.weights("CLIPModel", options), manager);
    }

    public static ClipModel create(ClipModelConfig config, StateDict weights, NDManager manager) {
        NDManager own = manager.newSubManager(weights.options().device());
        try {
            return new ClipModel(config, weights, own);
        } catch (RuntimeException e) {
            own.close();
            throw e;
        }
    }

    /**
     * {@code CLIPModel.get_image_features(pixel_values)}: the vision tower's pooled output projected.
     *
     * @param pixels float32 [B, 3, image_size, image_size] from the image processor
     * @return float32 [B, projection_dim], owned by pixels' manager
     */
    public NDArray imageFeatures(NDArray pixels) {
        try (CallScope scope = new CallScope(manager, pixels)) {
            NDArray pooled = vision.pooledOutput(pixels);
            return scope.keep(visualProjection.forward(pooled).toType(DataType.FLOAT32, false));
        }
    }

    /**
     * {@code CLIPModel.get_text_features(input_ids)} as transformers 4.30 computes it: the final-layer-normed hidden
     * state at each row's first largest id (argmax: the end-of-text token, which has the largest id in CLIP's
     * vocabulary, unless the row was cut before it), projected. Causal attention makes that state independent of
     * whatever follows it, so rows may be padded with anything.
     *
     * @param ids       int64 [B, S], on the model's device
     * @param positions per row, the position to pool (see {@link #poolPosition})
     * @return float32 [B, projection_dim], owned by ids' manager
     */
    public NDArray textFeatures(NDArray ids, int[] positions) {
        if (positions.length != ids.getShape().get(0)) {
            throw new ModelException("text features: " + positions.length + " positions for " + ids.getShape().get(0)
                    + " rows");
        }
        try (CallScope scope = new CallScope(manager, ids)) {
            NDArray hidden = text.lastHiddenState(ids); // [B, S, H]
            NDList rows = new NDList();
            for (int b = 0; b < positions.length; b++) {
                rows.add(hidden.get(b).get(positions[b]));
            }
            NDArray pooled = ai.djl.ndarray.NDArrays.stack(rows);
            return scope.keep(textProjection.forward(pooled).toType(DataType.FLOAT32, false));
        }
    }

    /** The position transformers 4.30 pools: the first index of the largest id. */
    public static int poolPosition(int[] ids) {
        int best = 0;
        for (int i = 1; i < ids.length; i++) {
            if (ids[i] > ids[best]) {
                best = i;
            }
        }
        return best;
    }

    public ClipModelConfig config() {
        return config;
    }

    public float logitScale() {
        return logitScale;
    }

    public Device device() {
        return manager.getDevice();
    }

    @Override
    public void close() {
        text.close();
        vision.close();
        manager.close();
    }
}
