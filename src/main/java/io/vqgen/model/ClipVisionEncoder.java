package io.vqgen.model;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.convolutional.Conv2d;
import io.vqgen.model.layers.CallScope;
import io.vqgen.model.layers.LayerNorm;
import io.vqgen.model.layers.Parameters;
import io.vqgen.weights.StateDict;

import java.util.ArrayList;
import java.util.List;

/**
 * transformers' {@code CLIPVisionTransformer} up to its pooled output: patches embedded by a strided convolution
 * (no bias), a learned class token in front, position embeddings, {@code pre_layrnorm} (sic), pre-norm encoder
 * layers without any mask, and {@code post_layernorm} of the class token.
 */
public final class ClipVisionEncoder implements AutoCloseable {
    private static final String P = "vision_model.";

    private final ClipVisionConfig config;
    private final NDManager manager;
    private final NDArray classEmbedding;    // [hidden]
    private final NDArray patchEmbedding;    // [hidden, channels, patch, patch]
    private final NDArray positionEmbedding; // [positions, hidden]
    private final LayerNorm preLayerNorm;    // [hidden]
    private final List<ClipEncoderLayer> layers;
    private final LayerNorm postLayerNorm;   // [hidden]

    private ClipVisionEncoder(ClipVisionConfig config, StateDict weights, NDManager manager) {
        this.config = config;
        this.manager = manager;
        int h = config.hiddenSize();
        double eps = config.layerNormEps();
        Parameters p = Parameters.of(weights, manager);
        classEmbedding = p.take(P + "embeddings.class_embedding", h);
        patchEmbedding = p.take(P + "embeddings.patch_embedding.weight", h, config.numChannels(),
                config.patchSize(), config.patchSize());
        positionEmbedding = p.take(P + "embeddings.position_embedding.weight", config.numPositions(), h);
        weights.ignore(P + "embeddings.position_ids"); // int64 buffer = arange(positions)
        preLayerNorm = LayerNorm.load(p, P + "pre_layrnorm", h, eps, true);
        layers = new ArrayList<>();
        for (int i = 0; i < config.numHiddenLayers(); i++) {
            layers.add(ClipEncoderLayer.load(p, P + "encoder.layers." + i + ".", h,
                    config.intermediateSize(), config.numAttentionHeads(), eps, config.hiddenAct()));
        }
        postLayerNorm = LayerNorm.load(p, P + "post_layernorm", h, eps, true);
        weights.checkAllTaken();
    }

    /** The vision tower of a CLIPModel, from the part of its weights under {@code vision_model.}. */
    public static ClipVisionEncoder create(ClipVisionConfig config, StateDict weights, NDManager manager) {
        NDManager own = manager.newSubManager(weights.options().device());
        try {
            return new ClipVisionEncoder(config, weights, own);
        } catch (RuntimeException e) {
            own.close();
            throw e;
        }
    }

    /**
     * {@code CLIPVisionModel(pixel_values).pooler_output}: the class token after the last layer and post_layernorm.
     *
     * @param pixels float32 [B, channels, image_size, image_size], normalised as the image processor does
     * @return float32 [B, hidden], owned by pixels' manager
     */
    public NDArray pooledOutput(NDArray pixels) {
        checkPixels(pixels);
        try (CallScope scope = new CallScope(manager, pixels)) {
            return scope.keep(forward(pixels).toType(DataType.FLOAT32, false));
        }
    }

    /** The pooled output without a call scope: for a caller that owns the intermediates (ClipModel). */
    NDArray forward(NDArray pixels) {
        long b = pixels.getShape().get(0);
        int h = config.hiddenSize();
        NDArray x = pixels.toType(classEmbedding.getDataType(), false);
        NDArray patches = Conv2d.conv2d(x, patchEmbedding, null, new Shape(config.patchSize(), config.patchSize()),
                new Shape(0, 0), new Shape(1, 1), 1).singletonOrThrow();            // [B, H, g, g]
        patches = patches.reshape(b, h, -1).transpose(0, 2, 1);                    // [B, g², H]
        NDArray cls = classEmbedding.reshape(1, 1, h).broadcast(new Shape(b, 1, h));
        NDArray tokens = cls.concat(patches, 1).add(positionEmbedding);              // [B, 1+g², H]
        tokens = preLayerNorm.forward(tokens);
        for (ClipEncoderLayer layer : layers) {
            tokens = layer.forward(tokens, null);
        }
        NDArray first = tokens.get(":, 0, :");
        return postLayerNorm.forward(first);
    }

    private void checkPixels(NDArray pixels) {
        Shape s = pixels.getShape();
        if (s.dimension() != 4 || s.get(0) < 1 || s.get(1) != config.numChannels() || s.get(2) != config.imageSize()
                || s.get(3) != config.imageSize() || !pixels.getDataType().isFloating()) {
            throw new ModelException("vision tower: pixels must be float [batch, " + config.numChannels() + ", "
                    + config.imageSize() + ", " + config.imageSize() + "], got " + pixels.getDataType() + " " + s);
        }
        CallScope.requireDevice("vision tower", "pixels", pixels, device());
    }

    public ClipVisionConfig config() {
        return config;
    }

    public Device device() {
        return manager.getDevice();
    }

    @Override
    public void close() {
        manager.close();
    }
}
