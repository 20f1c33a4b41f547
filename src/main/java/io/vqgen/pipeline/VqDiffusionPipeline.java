package io.vqgen.pipeline;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import io.vqgen.diffusion.DenoisingModel;
import io.vqgen.diffusion.FastSampler;
import io.vqgen.diffusion.NoiseSource;
import io.vqgen.diffusion.PerImageNoise;
import io.vqgen.diffusion.ReferenceNoise;
import io.vqgen.diffusion.Sampler;
import io.vqgen.diffusion.Samplers;
import io.vqgen.diffusion.SamplingPlan;
import io.vqgen.diffusion.VqDiffusionScheduler;
import io.vqgen.model.ClassTransformer;
import io.vqgen.model.ClassTransformerConfig;
import io.vqgen.model.ClipTextEncoder;
import io.vqgen.model.layers.CudaDevices;
import io.vqgen.model.Transformer2D;
import io.vqgen.model.vq.VqModel;
import io.vqgen.text.ClipTokenizer;
import io.vqgen.weights.ComponentConfig;
import io.vqgen.weights.LoadOptions;
import io.vqgen.weights.ModelFolder;
import io.vqgen.weights.StateDict;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * VQ-Diffusion as diffusers' {@code VQDiffusionPipeline} runs it: load a diffusers folder once, then turn prompts
 * into token grids and images.
 *
 * <p>Concurrency: weights are loaded once and only read afterwards; every {@link #generate} call does its work in
 * its own NDManager scope, so several threads may call it at once (they share the device). Calls in
 * {@link NoiseMode#REFERENCE} mode draw from libtorch's one process-wide generator and therefore run one at a
 * time (a JVM-wide lock, see {@link ReferenceNoise}); {@link NoiseMode#PER_IMAGE} calls never wait for each other.
 */
public final class VqDiffusionPipeline implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(VqDiffusionPipeline.class);
    private static final String LEARNED_CF = ModelFolder.CF_EMBEDDINGS;
    private static final String LEARNED_CF_CLASS = "LearnedClassifierFreeSamplingEmbeddings";
    private static final String SCHEDULER = "scheduler";

    private final NDManager manager;
    private final PipelineOptions options;
    private final ModelIdentity identity;
    private final Transformer2D transformer;           // text-to-image models, else null
    private final ClassTransformer classTransformer;   // class-conditional models, else null
    private final VqModel vqvae;
    private final VqDiffusionScheduler scheduler;
    private final PromptConditioning prompts;
    private final ClipTextEncoder textEncoder;

    private VqDiffusionPipeline(NDManager manager, PipelineOptions options, ModelIdentity identity,
                                ClipTokenizer tokenizer, ClipTextEncoder textEncoder, Transformer2D transformer,
                                ClassTransformer classTransformer, VqModel vqvae, VqDiffusionScheduler scheduler,
                                NDArray learnedUnconditional) {
        this.manager = manager;
        this.options = options;
        this.identity = identity;
        this.textEncoder = textEncoder;
        this.transformer = transformer;
        this.classTransformer = classTransformer;
        this.vqvae = vqvae;
        this.scheduler = scheduler;
        this.prompts = tokenizer == null ? null : new PromptConditioning(tokenizer, textEncoder, learnedUnconditional);
    }

    /**
     * Loads every component of a diffusers VQ-Diffusion folder (or of a class-conditional folder converted from the
     * research release: its transformer's config names {@value ClassTransformerConfig#CLASS_NAME}, and it has no
     * text side) and checks that they fit together.
     */
    public static VqDiffusionPipeline load(Path modelDir, PipelineOptions options) {
        ModelFolder folder = ModelFolder.open(modelDir).checkPipelineClass();
        LoadOptions load = options.loadOptions();
        checkDeviceAvailable(load.device());
        NDManager manager = NDManager.newBaseManager(load.device());
        ComponentConfig transformerConfig = folder.config(Transformer2D.COMPONENT);
        if (ClassTransformerConfig.CLASS_NAME.equals(transformerConfig.declaredClass())) {
            try {
                ClassTransformer transformer = ClassTransformer.create(ClassTransformerConfig.from(transformerConfig),
                        folder.weights(Transformer2D.COMPONENT, load), manager);
                VqModel vqvae = VqModel.load(folder, load, manager);
                VqDiffusionScheduler scheduler = VqDiffusionScheduler.fromConfig(folder.config("scheduler"));
                checkClassConsistent(folder, transformer, vqvae, scheduler);
                LOG.info("loaded {} on {} ({}): class-conditional, {} classes, {} codes, {}x{} tokens", folder.dir(),
                        options.device(), options.dtype(), transformer.config().numClasses(),
                        transformer.numVectorEmbeds() - 1, transformer.height(), transformer.width());
                return new VqDiffusionPipeline(manager, options, ModelIdentity.of(folder.dir()), null, null, null,
                        transformer, vqvae, scheduler, null);
            } catch (RuntimeException e) {
                manager.close();
                throw e;
            }
        }
        try {
            ClipTokenizer tokenizer = ClipTokenizer.load(folder.componentDir("tokenizer"));
            ClipTextEncoder textEncoder = ClipTextEncoder.load(folder, load, manager);
            Transformer2D transformer = Transformer2D.load(folder, load, manager);
            VqModel vqvae = VqModel.load(folder, load, manager);
            VqDiffusionScheduler scheduler = VqDiffusionScheduler.fromConfig(folder.config(SCHEDULER));
            NDArray learned = learnedUnconditional(folder, load, manager, textEncoder, tokenizer);
            checkConsistent(folder, tokenizer, textEncoder, transformer, vqvae, scheduler);
            LOG.info("loaded {} on {} ({}): {} classes, {}x{} tokens, {}x{} images", folder.dir(), options.device(),
                    options.dtype(), transformer.numVectorEmbeds(), transformer.height(), transformer.width(),
                    transformer.height() * vqvae.config().downsampleFactor(),
                    transformer.width() * vqvae.config().downsampleFactor());
            return new VqDiffusionPipeline(manager, options, ModelIdentity.of(folder.dir()), tokenizer, textEncoder,
                    transformer, null, vqvae, scheduler, learned);
        } catch (RuntimeException e) {
            manager.close();
            throw e;
        }
    }

    private static void checkDeviceAvailable(Device device) {
        if (!device.isGpu()) {
            return;
        }
        int gpus = CudaDevices.count();
        if (device.getDeviceId() >= gpus) {
            throw new PipelineException("device " + device + " is not available: this JVM's PyTorch engine sees " + gpus
                    + " GPU(s) (a CPU-only libtorch or no CUDA device); use --device cpu, or a CUDA libtorch as "
                    + "deploy/README.md describes");
        }
    }

    /**
     * The learned unconditional embeddings [length, hidden], or null when guidance encodes the empty prompt (no
     * such folder, or {@code learnable} false, as diffusers' pipeline does).
     */
    private static NDArray learnedUnconditional(ModelFolder folder, LoadOptions load, NDManager manager,
                                                ClipTextEncoder textEncoder, ClipTokenizer tokenizer) {
        if (!folder.hasComponent(LEARNED_CF)) {
            LOG.warn("{}: no {} folder (as in the hub's fp16 branch of microsoft/vq-diffusion-ithq); classifier-free "
                    + "guidance will use the text encoder on the empty prompt instead of learned embeddings",
                    folder.dir(), LEARNED_CF);
            return null;
        }
        ComponentConfig config = folder.config(LEARNED_CF).as(LEARNED_CF_CLASS);
        if (!config.flag("learnable")) {
            return null;
        }
        int length = config.integer("length", 1);
        int size = config.integer("hidden_size", 1);
        if (size != textEncoder.hiddenSize() || length != tokenizer.maxLength()) {
            throw new PipelineException(config.source() + ": the learned embeddings are [length " + length
                    + ", hidden_size " + size + "], but guidance mixes them with the text encoder's states of [the "
                    + "tokenizer's " + tokenizer.maxLength() + " tokens, hidden size " + textEncoder.hiddenSize() + "]");
        }
        StateDict weights = folder.weights(LEARNED_CF, load);
        NDArray embeddings = weights.takeFloat(manager, "embeddings", length, size);
        weights.checkAllTaken();
        return embeddings;
    }

    private static void checkConsistent(ModelFolder folder, ClipTokenizer tokenizer, ClipTextEncoder textEncoder,
                                        Transformer2D transformer, VqModel vqvae, VqDiffusionScheduler scheduler) {
        List<String> problems = new ArrayList<>();
        int classes = transformer.numVectorEmbeds();
        if (scheduler.numClasses() != classes) {
            problems.add("scheduler num_vec_classes " + scheduler.numClasses() + " != transformer num_vector_embeds "
                    + classes);
        }
        if (vqvae.config().tokenCount() < classes - 1) {
            problems.add("vqvae " + (vqvae.config().numTokens() != null ? "num_tokens " : "num_vq_embeddings ")
                    + vqvae.config().tokenCount() + " < transformer num_vector_embeds - 1 (" + (classes - 1)
                    + "): some tokens have no codebook entry");
        }
        Integer cross = transformer.crossAttentionDim();
        if (cross != null && cross != textEncoder.hiddenSize()) {
            problems.add("transformer cross_attention_dim " + cross + " != text encoder hidden_size "
                    + textEncoder.hiddenSize());
        }
        if (tokenizer.maxLength() > textEncoder.maxPositionEmbeddings()) {
            problems.add("tokenizer model_max_length " + tokenizer.maxLength()
                    + " > text encoder max_position_embeddings " + textEncoder.maxPositionEmbeddings());
        }
        Integer adaSteps = transformer.numEmbedsAdaNorm();
        if (adaSteps != null && adaSteps < scheduler.numTrainTimesteps()) {
            problems.add("transformer num_embeds_ada_norm " + adaSteps + " < scheduler num_train_timesteps "
                    + scheduler.numTrainTimesteps());
        }
        if (!problems.isEmpty()) {
            throw new PipelineException(folder.dir() + ": components do not fit together: "
                    + String.join("; ", problems));
        }
    }

    private static void checkClassConsistent(ModelFolder folder, ClassTransformer transformer, VqModel vqvae,
                                             VqDiffusionScheduler scheduler) {
        List<String> problems = new ArrayList<>();
        int classes = transformer.numVectorEmbeds();
        if (scheduler.numClasses() != classes) {
            problems.add("scheduler num_vec_classes " + scheduler.numClasses() + " != transformer num_vector_embeds "
                    + classes);
        }
        if (vqvae.config().tokenCount() < classes - 1) {
            problems.add("vqvae takes " + vqvae.config().tokenCount() + " token ids < transformer num_vector_embeds - 1 ("
                    + (classes - 1) + ")");
        }
        if (transformer.config().numEmbedsAdaNorm() < scheduler.numTrainTimesteps()) {
            problems.add("transformer num_embeds_ada_norm " + transformer.config().numEmbedsAdaNorm()
                    + " < scheduler num_train_timesteps " + scheduler.numTrainTimesteps());
        }
        if (!problems.isEmpty()) {
            throw new PipelineException(folder.dir() + ": components do not fit together: " + String.join("; ", problems));
        }
    }

    /** Whether the model is conditioned on a class label (research ImageNet) rather than a prompt. */
    public boolean classConditional() {
        return classTransformer != null;
    }

    /** Labels a class-conditional model takes (0..n-1); 0 for a text-to-image model. */
    public int numClasses() {
        return classTransformer == null ? 0 : classTransformer.config().numClasses();
    }

    public ModelIdentity identity() {
        return identity;
    }

    public PipelineOptions options() {
        return options;
    }

    public int tokenHeight() {
        return transformer != null ? transformer.height() : classTransformer.height();
    }

    public int tokenWidth() {
        return transformer != null ? transformer.width() : classTransformer.width();
    }

    public int imageHeight() {
        return tokenHeight() * vqvae.config().downsampleFactor();
    }

    public int imageWidth() {
        return tokenWidth() * vqvae.config().downsampleFactor();
    }

    /** The mask class (num_vector_embeds - 1): allowed in initial token grids, never in outputs. */
    public int maskClass() {
        return (transformer != null ? transformer.numVectorEmbeds() : classTransformer.numVectorEmbeds()) - 1;
    }

    public int numTrainTimesteps() {
        return scheduler.numTrainTimesteps();
    }

    /** Live NDArrays of the pipeline's manager tree (weights and any open call's work): for memory tests. */
    int liveArrays() {
        return manager.getManagedArrays().size();
    }

    public List<GeneratedImage> generate(SamplingOptions sampling, List<ImageRequest> images) {
        return generate(sampling, images, ProgressListener.NONE);
    }

    /**
     * Generates the images as one batch, all with the same sampling options, in request order. In reference noise
     * mode the first image's seed seeds the whole call, as diffusers' generator does.
     *
     * @throws PipelineException for options or starting grids this model cannot serve
     */
    public List<GeneratedImage> generate(SamplingOptions sampling, List<ImageRequest> images,
                                         ProgressListener progress) {
        if (images.isEmpty()) {
            return List.of();
        }
        validate(sampling, images);
        int n = tokenHeight() * tokenWidth();
        int batch = images.size();
        long[][] initial = new long[batch][];
        List<String> texts = new ArrayList<>(batch);
        long[] seeds = new long[batch];
        for (int b = 0; b < batch; b++) {
            ImageRequest image = images.get(b);
            texts.add(image.prompt());
            seeds[b] = image.seed();
            initial[b] = image.initialTokens();
            if (initial[b] == null) {
                initial[b] = new long[n];
                Arrays.fill(initial[b], maskClass());
            }
        }
        try (NDManager scope = manager.newSubManager()) {
            long t0 = System.nanoTime();
            DenoisingModel model;
            if (classTransformer != null) {
                long[] labels = images.stream().mapToLong(ImageRequest::classLabel).toArray();
                model = new ClassGuidedTransformer(classTransformer, labels, sampling.guidanceScale(),
                        sampling.usesGuidance());
            } else {
                NDArray conditional = prompts.conditional(scope, texts);
                NDArray unconditional = sampling.usesGuidance() ? prompts.unconditional(scope, batch) : null;
                model = new GuidedTransformer(transformer, conditional, unconditional,
                        sampling.guidanceScale(), sampling.noise() == NoiseMode.REFERENCE);
            }
            long t1 = System.nanoTime();
            NDArray start = scope.create(initial);
            NDArray tokens;
            try (NoiseSource noise = sampling.noise() == NoiseMode.REFERENCE ? ReferenceNoise.open(seeds[0])
                    : new PerImageNoise(seeds)) {
                tokens = sampler(sampling).sample(model, start,
                        new SamplingPlan(sampling.steps(), sampling.truncationRate()), noise,
                        (call, calls, t, current) -> progress.onStep(call + 1, calls, t, batch));
            }
            long[] grid = tokens.toLongArray();
            long t2 = System.nanoTime();
            NDArray decoded = vqvae.imageFromTokens(tokens, tokenHeight(), tokenWidth());
            float[] pixels = decoded.toType(DataType.FLOAT32, false).toFloatArray();
            progress.onBatch(batch, (t1 - t0) / 1e9, (t2 - t1) / 1e9, (System.nanoTime() - t2) / 1e9);
            int perImage = imageHeight() * imageWidth() * 3;
            List<GeneratedImage> out = new ArrayList<>(batch);
            for (int b = 0; b < batch; b++) {
                int[] imageTokens = new int[n];
                for (int j = 0; j < n; j++) {
                    imageTokens[j] = (int) grid[b * n + j];
                }
                float[] imagePixels = Arrays.copyOfRange(pixels, b * perImage, (b + 1) * perImage);
                out.add(new GeneratedImage(seeds[b], imageTokens, tokenHeight(), tokenWidth(),
                        Rgb8.fromUnit(imagePixels), imagePixels, imageWidth(), imageHeight()));
            }
            return out;
        }
    }

    /** The sampler these options choose for this model (its name is the manifest's sampler label). */
    public Sampler sampler(SamplingOptions sampling) {
        return Samplers.research(scheduler, tokenHeight() * tokenWidth(), sampling.inferSpeed(), sampling.priorRule(),
                sampling.priorWeight(), FastSampler.Jump.RESEARCH);
    }

    private void validate(SamplingOptions s, List<ImageRequest> images) {
        for (ImageRequest r : images) {
            if (classTransformer != null && r.classLabel() == null) {
                throw new PipelineException("this model is class-conditional: ask for a class label 0.."
                        + (numClasses() - 1) + " (generate --class-label N), not a prompt");
            }
            if (classTransformer != null && r.classLabel() >= numClasses()) {
                throw new PipelineException("class label " + r.classLabel() + " is outside 0.." + (numClasses() - 1)
                        + " (the model's num_classes)");
            }
            if (classTransformer == null && r.classLabel() != null) {
                throw new PipelineException("this model is text-to-image: give a prompt, not a class label ("
                        + r.classLabel() + ")");
            }
        }
        if (s.steps() > scheduler.numTrainTimesteps()) {
            throw new PipelineException("steps " + s.steps() + " exceeds the model's num_train_timesteps "
                    + scheduler.numTrainTimesteps());
        }
        int n = tokenHeight() * tokenWidth();
        for (int i = 0; i < images.size(); i++) {
            long[] grid = images.get(i).initialTokens();
            if (grid == null) {
                continue;
            }
            if (grid.length != n) {
                throw new PipelineException("initial tokens of image " + i + " must hold " + n + " values ("
                        + tokenHeight() + "x" + tokenWidth() + "), got " + grid.length);
            }
            for (int j = 0; j < n; j++) {
                if (grid[j] < 0 || grid[j] > maskClass()) {
                    throw new PipelineException("initial token " + grid[j] + " at image " + i + ", position " + j
                            + " is outside 0.." + maskClass() + " (" + maskClass() + " = mask)");
                }
            }
        }
    }

    @Override
    public void close() {
        manager.close();
    }
}
