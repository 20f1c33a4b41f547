package io.vqgen.model.vq;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import io.vqgen.model.ModelException;
import io.vqgen.model.layers.CallScope;
import io.vqgen.model.layers.Precision;
import io.vqgen.model.vq.VqConfig.NormType;
import io.vqgen.weights.LoadOptions;
import io.vqgen.weights.ModelFolder;
import io.vqgen.weights.StateDict;

import java.util.function.UnaryOperator;

/**
 * The VQ-VAE of VQ-Diffusion (diffusers 0.24.0 {@code VQModel}): codebook lookup and decoder (token grid →
 * image), encoder and quantizer (image → token grid).
 *
 * <p>Weights live in the model's own manager (a child of the one given to {@link #load}), on the device of the
 * load options, in their dtype (float32 when the config says {@code force_upcast}). Each call works in a child
 * manager that it closes; its result is attached to the manager of the call's input array. Float results are
 * float32 for float32 and float16 weights. Thread-safe: calls share only the immutable weights.
 *
 * <p>decode, encode and quantize run image by image: libtorch picks its convolution algorithm by batch size,
 * which moves results by ~3e-6 — enough to flip an 8-bit pixel or a near-tie token. So an image never depends
 * on the batch it came in (see DESIGN: determinism), and peak memory is one image's activations.
 */
public final class VqModel implements AutoCloseable {
    /** The component folder in a diffusers pipeline. */
    public static final String COMPONENT = "vqvae";

    private final VqConfig config;
    private final NDManager manager;
    private final DataType dtype;
    private final Encoder encoder;
    private final Conv quantConv;
    private final VectorQuantizer quantizer;
    private final Conv postQuantConv;
    private final Decoder decoder;
    private final Conv gumbelProjection; // quantize.proj for the Gumbel quantizer, else null
    private final NDArray tokenToCode;   // int64 [num_tokens] when the codebook is mapped, else null
    private final NDArray codeToToken;   // int64 [num_vq_embeddings] when the codebook is mapped, else null

    private VqModel(VqConfig config, NDManager manager, LayerLoader l) {
        this.config = config;
        this.manager = manager;
        this.dtype = l.dtype();
        this.encoder = Encoder.load(l, config);
        this.quantConv = l.conv("quant_conv", config.latentChannels(), config.vqEmbedDim(), 1, 1, 0);
        this.quantizer = l.quantizer();
        this.postQuantConv = l.conv("post_quant_conv", config.vqEmbedDim(), config.latentChannels(), 1, 1, 0);
        this.decoder = Decoder.load(l, config);
        this.gumbelProjection = config.quantizer().equals(VqConfig.GUMBEL)
                ? l.conv("quantize.proj", config.vqEmbedDim(), config.numVqEmbeddings(), 1, 1, 0) : null;
        if (config.numTokens() != null) {
            this.tokenToCode = l.takeIndices("token_to_code", config.numTokens(), config.numVqEmbeddings());
            this.codeToToken = l.takeIndices("code_to_token", config.numVqEmbeddings(), config.numTokens());
        } else {
            this.tokenToCode = null;
            this.codeToToken = null;
        }
    }

    /** Loads the {@value #COMPONENT} component of a diffusers pipeline folder. */
    public static VqModel load(ModelFolder folder, LoadOptions options, NDManager manager) {
        return create(VqConfig.from(folder.config(COMPONENT)), folder.weights(COMPONENT, options), manager);
    }

    /**
     * Builds the model from a config and its weights; every weight must be present with the configured shape
     * and none may be left over. A config {@link VqConfig#problems} finds fault with is refused.
     */
    public static VqModel create(VqConfig config, StateDict weights, NDManager manager) {
        DataType dtype = config.forceUpcast() ? DataType.FLOAT32 : weights.options().floatType();
        return create(config, weights, manager, dtype);
    }

    /** As {@link #create(VqConfig, StateDict, NDManager)} in an explicit compute dtype (tests use float64). */
    static VqModel create(VqConfig config, StateDict weights, NDManager manager, DataType dtype) {
        config.check(VqConfig.CLASS + " config");
        NDManager own = manager.newSubManager(weights.options().device());
        try {
            VqModel model = new VqModel(config, own, new LayerLoader(weights, own, dtype, config));
            weights.checkAllTaken();
            return model;
        } catch (RuntimeException e) {
            own.close();
            throw e;
        }
    }

    public VqConfig config() {
        return config;
    }

    /** The dtype the model computes in (group norm and softmax always run in float32). */
    public DataType dtype() {
        return dtype;
    }

    public Device device() {
        return manager.getDevice();
    }

    /**
     * {@code quantize.get_codebook_entry(tokens, (B, h, w, vq_embed_dim))}: codebook rows viewed [B, h, w, C]
     * and permuted to [B, C, h, w]. With a mapped codebook ({@code num_tokens}), token ids go through
     * {@code token_to_code} first, as the research codecs' {@code decode} does.
     *
     * @param tokens integer [B, h·w], row-major grids of token ids in [0, {@link VqConfig#tokenCount()})
     * @return float32 [B, vq_embed_dim, h, w]
     */
    public NDArray codebookEntry(NDArray tokens, int h, int w) {
        Shape s = tokens.getShape();
        if (h <= 0 || w <= 0 || s.dimension() != 2 || s.get(1) != (long) h * w || !tokens.getDataType().isInteger()) {
            throw new ModelException("codebookEntry: expected integer tokens [B, " + h + "*" + w + "], got "
                    + tokens.getDataType() + " " + s);
        }
        try (CallScope scope = new CallScope(manager, tokens)) {
            NDArray idx = own(tokens, DataType.INT64);
            if (s.get(0) > 0 && s.get(1) > 0) {
                long min = idx.min().getLong();
                long max = idx.max().getLong();
                if (min < 0 || max >= config.tokenCount()) {
                    throw new ModelException("codebookEntry: token ids must be in [0, " + config.tokenCount()
                            + ") (" + (tokenToCode == null ? "num_vq_embeddings" : "num_tokens") + "), found values from "
                            + min + " to " + max);
                }
            }
            NDArray codes = tokenToCode == null ? idx.reshape(-1)
                    : tokenToCode.get(scope.manager(), new NDIndex("{}", idx.reshape(-1)));
            NDArray out = quantizer.lookup(codes, scope.manager())
                    .reshape(s.get(0), h, w, config.vqEmbedDim()).transpose(0, 3, 1, 2);
            return result(out, scope);
        }
    }

    /**
     * {@code decode(latents, force_not_quantize=True)}: post_quant_conv, then the decoder.
     *
     * @param latents [B, vq_embed_dim, h, w] codebook vectors (any float dtype)
     * @return float32 [B, out_channels, h·f, w·f], raw (about [-1, 1]); see {@link #toImage}
     */
    public NDArray decode(NDArray latents) {
        requireMaps("decode", latents, config.vqEmbedDim(), "vq_embed_dim");
        try (CallScope scope = new CallScope(manager, latents)) {
            NDArray out = perImage(own(latents, dtype), zq -> {
                NDArray z = postQuantConv.forward(zq);
                return decoder.forward(z, config.normType() == NormType.SPATIAL ? zq : null);
            });
            return result(out, scope);
        }
    }

    /** Token grids straight to images: {@link #toImage}({@link #decode}({@link #codebookEntry})). */
    public NDArray imageFromTokens(NDArray tokens, int h, int w) {
        try (NDArray entries = codebookEntry(tokens, h, w); NDArray decoded = decode(entries)) {
            return toImage(decoded);
        }
    }

    /**
     * {@code encode(images).latents}: encoder, then quant_conv (not yet quantized).
     *
     * @param images [B, in_channels, H, W] in [-1, 1] (any float dtype)
     * @return float32 [B, vq_embed_dim, H/f, W/f] with f = {@link VqConfig#downsampleFactor()}
     */
    public NDArray encode(NDArray images) {
        requireMaps("encode", images, config.inChannels(), "in_channels");
        try (CallScope scope = new CallScope(manager, images)) {
            NDArray out = perImage(own(images, dtype), x -> quantConv.forward(encoder.forward(x)));
            return result(out, scope);
        }
    }

    /**
     * The quantizer's token ids: for each position, the nearest codebook vector (squared Euclidean distance,
     * computed in float32), or for the Gumbel quantizer the code of the largest {@code quantize.proj} logit (its
     * noiseless choice: the research codec draws Gumbel noise even at inference); with a mapped codebook the code's
     * token through {@code code_to_token}.
     *
     * @param latents [B, vq_embed_dim, h, w]
     * @return int64 [B, h·w], row-major
     */
    public NDArray quantize(NDArray latents) {
        requireMaps("quantize", latents, config.vqEmbedDim(), "vq_embed_dim");
        Shape s = latents.getShape();
        try (CallScope scope = new CallScope(manager, latents)) {
            NDArray out = perImage(own(latents, gumbelProjection == null ? DataType.FLOAT32 : dtype), z -> {
                NDArray codes = gumbelProjection == null
                        ? quantizer.nearest(z.transpose(0, 2, 3, 1).reshape(-1, s.get(1)))
                        : gumbelProjection.forward(z).toType(DataType.FLOAT32, false).argMax(1).reshape(-1);
                NDArray tokens = codeToToken == null ? codes : codeToToken.get(new NDIndex("{}", codes));
                return tokens.reshape(1, s.get(2) * s.get(3));
            });
            return result(out, scope);
        }
    }

    /** Images [B, in_channels, H, W] in [-1, 1] → token grids int64 [B, (H/f)·(W/f)]. */
    public NDArray tokensFromImage(NDArray images) {
        try (NDArray latents = encode(images)) {
            return quantize(latents);
        }
    }

    /**
     * What the pipeline returns for {@code output_type="np"}: {@code (x/2 + 0.5).clamp(0, 1)} permuted to
     * NHWC, float32. Attached to the input's manager.
     */
    public static NDArray toImage(NDArray decoded) {
        if (decoded.getShape().dimension() != 4) {
            throw new ModelException("toImage: expected decoded images [B, C, H, W], got " + decoded.getShape());
        }
        try (CallScope scope = new CallScope(decoded.getManager(), decoded)) {
            return scope.keep(decoded.toType(DataType.FLOAT32, false).div(2).add(0.5f).clip(0, 1).transpose(0, 2, 3, 1));
        }
    }

    @Override
    public void close() {
        manager.close();
    }

    /**
     * Applies {@code f} to each image [1, ...] of a batch in its own child scope and stacks the results along
     * axis 0; the batch itself is consumed.
     */
    private static NDArray perImage(NDArray batch, UnaryOperator<NDArray> f) {
        long n = batch.getShape().get(0);
        if (n == 1) {
            return CallScope.advance(batch, f);
        }
        NDList parts = new NDList();
        for (long i = 0; i < n; i++) {
            parts.add(CallScope.advance(batch.get(new NDIndex("{}:{}", i, i + 1)), f));
        }
        batch.close();
        NDArray out = NDArrays.concat(parts);
        parts.close();
        return out;
    }

    /**
     * A copy of a caller's array (borrowed by the call's scope) on the model's device, in the given dtype: the layers
     * consume their inputs, so the caller's array itself is never handed to them.
     */
    private NDArray own(NDArray input, DataType type) {
        return input.toDevice(manager.getDevice(), true).toType(type, false);
    }

    /** The call's result, float results widened to at least float32, handed to the caller's manager. */
    private static NDArray result(NDArray out, CallScope scope) {
        DataType t = out.getDataType();
        return scope.keep(t.isFloating() ? out.toType(Precision.atLeastFloat32(t), false) : out);
    }

    private static void requireMaps(String call, NDArray x, int channels, String key) {
        Shape s = x.getShape();
        if (s.dimension() != 4 || s.get(0) < 1 || s.get(1) != channels || !x.getDataType().isFloating()) {
            throw new ModelException(call + ": expected float [B ≥ 1, " + channels + ", H, W] (" + key
                    + " = " + channels + "), got " + x.getDataType() + " " + s);
        }
    }
}
