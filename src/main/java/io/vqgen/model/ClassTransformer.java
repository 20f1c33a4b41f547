package io.vqgen.model;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.convolutional.Conv2d;
import io.vqgen.model.layers.Activation;
import io.vqgen.model.layers.AdaLayerNorm;
import io.vqgen.model.layers.Attention;
import io.vqgen.model.layers.CallScope;
import io.vqgen.model.layers.Embedding;
import io.vqgen.model.layers.LayerNorm;
import io.vqgen.model.layers.Linear;
import io.vqgen.model.layers.Parameters;
import io.vqgen.weights.StateDict;

import java.util.ArrayList;
import java.util.List;

/**
 * The research release's class-conditional transformer ({@code Condition2ImageTransformer}, ImageNet): token grid +
 * class label + timestep → log p(x₀ | xₜ, label). Each block: self-attention after an AdaLayerNorm of the timestep,
 * then a convolutional feed-forward (3×3 convolutions over the token grid) after an AdaLayerNorm of the class label.
 * diffusers has no such class; the weights keep the research code's own names ({@code blocks.0.attn.query.weight},
 * {@code blocks.0.ln2.emb.weight}, {@code to_logits.1.weight}, …).
 *
 * <p>The unconditional label is {@link ClassTransformerConfig#unconditionalLabel()}: a learned class embedding when
 * the model has one more embedding than classes ({@code imagenet_learnable}), else the mean of the class embeddings,
 * as the research code's AdaLayerNorm takes for an index past its table ({@code imagenet_pretrained}).
 */
public final class ClassTransformer implements AutoCloseable {
    public static final String COMPONENT = "transformer";
    private static final float EPS = 1e-5f;

    private final ClassTransformerConfig config;
    private final NDManager manager;
    private final DataType dtype;
    private final ImagePositionalEmbeddings embedding;
    private final List<Block> blocks = new ArrayList<>();
    private final LayerNorm normOut;
    private final Linear out;

    private record Block(AdaLayerNorm ln1, Attention attn, NDArray classScale, NDArray classShift, NDArray conv1Weight,
                         NDArray conv1Bias, NDArray conv2Weight, NDArray conv2Bias) {
    }

    private ClassTransformer(ClassTransformerConfig c, StateDict weights, NDManager manager) {
        this.config = c;
        this.manager = manager;
        this.dtype = weights.options().floatType();
        long dim = c.innerDim();
        long hidden = dim * c.ffMult();
        Parameters p = Parameters.of(weights, manager);
        embedding = new ImagePositionalEmbeddings(p, "content_emb", c.numVectorEmbeds(), c.positionGridHeight(),
                c.positionGridWidth(), c.numLatentPixels(), dim);
        for (int i = 0; i < c.numLayers(); i++) {
            String b = "blocks." + i + ".";
            Attention attn = new Attention(Linear.load(p, b + "attn.query", dim, dim, true),
                    Linear.load(p, b + "attn.key", dim, dim, true),
                    Linear.load(p, b + "attn.value", dim, dim, true),
                    Linear.load(p, b + "attn.proj", dim, dim, true), c.numAttentionHeads(), c.attentionHeadDim());
            NDList classTables = AdaLayerNorm.tables(p, b + "ln2", c.numClassEmbeds(), dim,
                    c.numClassEmbeds() == c.numClasses());
            blocks.add(new Block(AdaLayerNorm.load(p, b + "ln1", c.numEmbedsAdaNorm(), dim), attn,
                    classTables.get(0), classTables.get(1),
                    p.take(b + "mlp.conv1.weight", hidden, dim, 3, 3),
                    p.take(b + "mlp.conv1.bias", hidden),
                    p.take(b + "mlp.conv2.weight", dim, hidden, 3, 3),
                    p.take(b + "mlp.conv2.bias", dim)));
        }
        normOut = LayerNorm.load(p, "to_logits.0", dim, 1e-5, true);
        out = Linear.load(p, "to_logits.1", dim, c.numVectorEmbeds() - 1, true);
        weights.checkAllTaken();
    }

    /** Builds the model from its config and weights; every weight must be present with its shape, none left over. */
    public static ClassTransformer create(ClassTransformerConfig config, StateDict weights, NDManager manager) {
        NDManager own = manager.newSubManager(weights.options().device());
        try {
            return new ClassTransformer(config, weights, own);
        } catch (RuntimeException e) {
            own.close();
            throw e;
        }
    }

    /**
     * @param tokens   int64 [B, N] in [0, numVectorEmbeds)
     * @param labels   int64 [B]: classes 0..numClasses-1, or {@link ClassTransformerConfig#unconditionalLabel()}
     * @param timestep in [0, numEmbedsAdaNorm)
     * @return float32 [B, numVectorEmbeds − 1, N], laid out as {@link Transformer2D#logPx0}'s
     */
    public NDArray logPx0(NDArray tokens, NDArray labels, int timestep) {
        long n = config.numLatentPixels();
        Shape s = tokens.getShape();
        if (tokens.getDataType() != DataType.INT64 || s.dimension() != 2 || s.get(1) != n || s.get(0) < 1) {
            throw new ModelException("transformer: tokens must be int64 [batch, " + n + "], got " + tokens.getDataType()
                    + " " + s);
        }
        if (labels.getDataType() != DataType.INT64 || !labels.getShape().equals(new Shape(s.get(0)))) {
            throw new ModelException("transformer: labels must be int64 [" + s.get(0) + "], got " + labels.getDataType()
                    + " " + labels.getShape());
        }
        if (timestep < 0 || timestep >= config.numEmbedsAdaNorm()) {
            throw new ModelException("transformer: timestep must be in [0, " + config.numEmbedsAdaNorm() + "), got " + timestep);
        }
        CallScope.requireDevice("transformer", "tokens", tokens, device());
        CallScope.requireDevice("transformer", "labels", labels, device());
        try (CallScope scope = new CallScope(manager, tokens, labels)) {
            checkRange("tokens", tokens, config.numVectorEmbeds());
            checkRange("labels", labels, config.unconditionalLabel() + 1);
            NDArray t = scope.manager().create((long) timestep);
            NDArray x = embedding.forward(tokens);
            long b = s.get(0);
            long dim = config.innerDim();
            for (Block block : blocks) {
                x = x.add(block.attn().forward(block.ln1().forward(x, t), null, null));
                NDArray gamma = Embedding.lookup(labels, block.classScale()).reshape(b, 1, dim);
                NDArray beta = Embedding.lookup(labels, block.classShift()).reshape(b, 1, dim);
                NDArray h = plainNorm(x).mul(gamma).add(beta);
                x = x.add(convMlp(block, h));
            }
            return scope.keep(Transformer2D.logSoftmax(out.forward(normOut.forward(x)), 1 << 19));
        }
    }

    /** The research block's {@code self.layernorm(x) * (1 + scale) + shift}: layer norm without affine first. */
    private NDArray plainNorm(NDArray x) {
        long dim = config.innerDim();
        NDManager m = x.getManager();
        return LayerNorm.apply(x, m.ones(new Shape(dim), x.getDataType()), m.zeros(new Shape(dim), x.getDataType()), EPS);
    }

    /** Conv_MLP: [B, N, C] as a [B, C, h, w] grid, 3×3 conv, GELU2 (x·sigmoid(1.702x)), 3×3 conv, back to [B, N, C]. */
    private NDArray convMlp(Block block, NDArray h) {
        Shape s = h.getShape();
        NDArray grid = h.transpose(0, 2, 1).reshape(s.get(0), s.get(2), config.height(), config.width());
        NDArray y = conv(grid, block.conv1Weight(), block.conv1Bias());
        y = conv(Activation.QUICK_GELU.apply(y), block.conv2Weight(), block.conv2Bias());
        return y.reshape(s.get(0), s.get(2), s.get(1)).transpose(0, 2, 1);
    }

    private static NDArray conv(NDArray x, NDArray weight, NDArray bias) {
        return Conv2d.conv2d(x, weight, bias, new Shape(1, 1), new Shape(1, 1), new Shape(1, 1), 1).singletonOrThrow();
    }

    private static void checkRange(String what, NDArray ids, long bound) {
        long min = ids.min().getLong();
        long max = ids.max().getLong();
        if (min < 0 || max >= bound) {
            throw new ModelException("transformer: " + what + " must be in [0, " + bound + "), found values from " + min
                    + " to " + max);
        }
    }

    /** The unconditional rows of a guided prediction and the conditional ones, as one batch [uncond; cond]. */
    public NDArray pairedLogPx0(NDArray tokens, NDArray unconditional, NDArray conditional, int timestep) {
        NDManager m = tokens.getManager();
        try (NDManager scope = m.newSubManager()) {
            scope.tempAttachAll(tokens, unconditional, conditional);
            NDArray both = logPx0(NDArrays.concat(new NDList(tokens, tokens), 0),
                    NDArrays.concat(new NDList(unconditional, conditional), 0), timestep);
            both.attach(m);
            return both;
        }
    }

    public ClassTransformerConfig config() {
        return config;
    }

    public int numVectorEmbeds() {
        return config.numVectorEmbeds();
    }

    public int height() {
        return config.height();
    }

    public int width() {
        return config.width();
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
