package io.vqgen.convert;

import ai.djl.ndarray.NDManager;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.vqgen.model.ClassTransformer;
import io.vqgen.model.ClassTransformerConfig;
import io.vqgen.model.ClipTextConfig;
import io.vqgen.model.ClipTextEncoder;
import io.vqgen.model.Transformer2D;
import io.vqgen.model.Transformer2DConfig;
import io.vqgen.model.vq.VqConfig;
import io.vqgen.model.vq.VqModel;
import io.vqgen.text.ResearchTokenizerFiles;
import io.vqgen.weights.ComponentConfig;
import io.vqgen.weights.LoadOptions;
import io.vqgen.weights.ModelFolder;
import io.vqgen.weights.RawTensor;
import io.vqgen.weights.SafetensorsWriter;
import io.vqgen.weights.StateDict;
import io.vqgen.weights.StorageType;
import io.vqgen.weights.TorchCheckpoint;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Converts a model of the research release (microsoft/VQ-Diffusion: a {@code configs/*.yaml}, its training checkpoint,
 * the taming codec's yaml and Lightning checkpoint, the code mapping and the BPE file) into a model folder that
 * {@link io.vqgen.pipeline.VqDiffusionPipeline} loads: diffusers' layout and names where diffusers has the class
 * (scheduler, CLIP text encoder and tokenizer, {@code Transformer2DModel}, {@code VQModel}, learned classifier-free
 * embeddings), vqgen's documented keys where it has not (the Gumbel quantizer and the code mapping of the VQ-VAE,
 * the research text convention of the tokenizer, the class-conditional transformer).
 *
 * <p>Weights are those the release's inference loads ({@code inference_VQ_Diffusion.VQ_Diffusion.get_model}): the
 * checkpoint's {@code model}, with {@code ema} applied over its transformer when present; the codec's weights from its
 * own checkpoint, overridden by the {@code content_codec} weights the model checkpoint holds. Every tensor read is
 * either mapped or dropped for a stated reason; anything else is an error, and every component is built from the
 * converted tensors before anything is written, so a checkpoint that does not match its yaml fails naming the file
 * and the key.
 */
public final class OriginalConverter {
    private static final Logger LOG = LoggerFactory.getLogger(OriginalConverter.class);
    private static final ObjectMapper JSON = new ObjectMapper();
    static final String TEXT_MODEL = "image_synthesis.modeling.models.dalle.DALLE";
    static final String CLASS_MODEL = "image_synthesis.modeling.models.conditional_dalle.C_DALLE";
    private static final String CODEC_PREFIX = "image_synthesis.modeling.codecs.image_codec.taming_gumbel_vqvae.";
    private static final String GUMBEL_CODEC = CODEC_PREFIX + "TamingGumbelVQVAE";
    private static final String VQ_CODEC = CODEC_PREFIX + "TamingVQVAE";
    private static final String TEXT_TRANSFORMER = "image_synthesis.modeling.transformers.transformer_utils.Text2ImageTransformer";
    private static final String CLASS_TRANSFORMER = "image_synthesis.modeling.transformers.transformer_utils.Condition2ImageTransformer";
    private static final String CLIP_EMBEDDING = "image_synthesis.modeling.embeddings.clip_text_embedding.CLIPTextEmbedding";
    private static final String DIFFUSION = "model.params.diffusion_config.params.";
    private static final String TRANSFORMER = DIFFUSION + "transformer_config.params.";
    private static final String CODEC = "model.params.content_codec_config.params.";
    private static final String SCHEDULE_BUFFERS = "the diffusion schedule, which the scheduler recomputes from "
            + "num_train_timesteps";

    /**
     * The files of one conversion. Optional ones (null) are found where the yaml names them, relative to
     * {@code releaseRoot} (the release's scripts run from the repository's root).
     *
     * @param tokenizer a CLIP tokenizer folder, or null to build the tokenizer from {@code bpe} (text models)
     * @param bpe       the release's {@code bpe_simple_vocab_16e6.txt.gz}, or null for its place in the release
     */
    public record Sources(Path config, Path checkpoint, Path vqvae, Path vqvaeConfig, Path mapping, Path tokenizer,
                          Path bpe, Path releaseRoot) {
    }

    /** What the conversion did: component → tensors written; source tensors dropped and why; whether ema was applied. */
    public record Report(String kind, Map<String, Integer> written, List<String> dropped, boolean emaApplied, Long epoch) {
    }

    private OriginalConverter() {
    }

    /** Converts into {@code out}, a new or empty folder; on failure nothing is left there. */
    public static Report convert(Sources s, Path out) {
        if (!Files.isRegularFile(s.checkpoint())) {
            throw new ConversionException(s.checkpoint() + ": checkpoint not found (the release's .pth, e.g. "
                    + "coco_learnable.pth)");
        }
        ResearchYaml yaml = ResearchYaml.read(s.config(), "the release's model config, e.g. configs/coco.yaml");
        prepare(out);
        try {
            return convert(s, yaml, out);
        } catch (RuntimeException e) {
            deleteContents(out);
            throw e;
        }
    }

    private static void deleteContents(Path out) {
        try (var files = Files.walk(out)) {
            for (Path p : files.sorted(java.util.Comparator.reverseOrder()).toList()) {
                if (!p.equals(out)) {
                    Files.deleteIfExists(p);
                }
            }
        } catch (IOException e) {
            LOG.warn("{}: could not remove the partial conversion: {}", out, e.getMessage());
        }
    }

    private static Report convert(Sources s, ResearchYaml yaml, Path out) {
        String target = yaml.string("model.target");
        boolean text = switch (target) {
            case TEXT_MODEL -> true;
            case CLASS_MODEL -> false;
            default -> throw new ConversionException(s.config() + ": key 'model.target' is '" + target
                    + "'; supported: " + TEXT_MODEL + " (text-to-image) and " + CLASS_MODEL + " (class-conditional)");
        };
        String codecTarget = yaml.string("model.params.content_codec_config.target");
        if (!codecTarget.equals(GUMBEL_CODEC) && !codecTarget.equals(VQ_CODEC)) {
            throw new ConversionException(s.config() + ": key 'model.params.content_codec_config.target' is '" + codecTarget
                    + "'; supported: " + GUMBEL_CODEC + " and " + VQ_CODEC + " (the ITHQ model's PatchVQVAE comes "
                    + "converted by diffusers: use microsoft/vq-diffusion-ithq)");
        }
        boolean gumbel = codecTarget.equals(GUMBEL_CODEC);
        String transformerTarget = yaml.string(DIFFUSION + "transformer_config.target");
        String expected = text ? TEXT_TRANSFORMER : CLASS_TRANSFORMER;
        if (!transformerTarget.equals(expected)) {
            throw new ConversionException(s.config() + ": key '" + DIFFUSION + "transformer_config.target' is '"
                    + transformerTarget + "'; a " + target + " model here needs " + expected);
        }

        Map<String, RawTensor> model;
        Map<String, RawTensor> ema = null;
        Long epoch;
        try (TorchCheckpoint ckpt = TorchCheckpoint.open(s.checkpoint())) {
            model = sourced(ckpt.stateDict("model"), s.checkpoint() + " ['model']");
            if (ckpt.has("ema")) {
                ema = sourced(ckpt.stateDict("ema"), s.checkpoint() + " ['ema']");
            }
            epoch = ckpt.integer("last_epoch") != null ? ckpt.integer("last_epoch") : ckpt.integer("epoch");
        }
        if (ema != null) {
            applyEma(s.checkpoint(), model, ema);
        }
        TensorMap weights = new TensorMap(model, s.checkpoint() + " ['model']" + (ema != null ? " (ema applied)" : ""));

        ResearchYaml taming = ResearchYaml.read(codecFile(s, yaml, s.vqvaeConfig(), "config_path", "--vqvae-config"),
                "the taming codec's yaml");
        int timesteps = yaml.integer(DIFFUSION + "diffusion_step");
        int codes = yaml.integer(DIFFUSION + "content_emb_config.params.num_embed");
        int quantizeNumber = yaml.integerOr(CODEC + "quantize_number", 0);
        Integer numTokens = quantizeNumber == 0 ? null : quantizeNumber;
        if (numTokens != null && numTokens != codes) {
            throw new ConversionException(s.config() + ": key '" + CODEC + "quantize_number' (" + quantizeNumber
                    + ") must equal '" + DIFFUSION + "content_emb_config.params.num_embed' (" + codes + ")");
        }
        Map<String, Map<String, RawTensor>> components = new LinkedHashMap<>();
        Map<String, JsonNode> configs = new LinkedHashMap<>();
        List<String> dropped = new ArrayList<>();

        ObjectNode vqConfig = TamingCodec.config(taming, gumbel, numTokens);
        Map<String, String> codecOrigins = new LinkedHashMap<>();
        components.put(VqModel.COMPONENT, codec(s, yaml, taming, weights, gumbel, numTokens, dropped, codecOrigins));
        configs.put(VqModel.COMPONENT, vqConfig);
        configs.put("scheduler", schedulerConfig(codes + 1, timesteps));

        weights.dropPrefix("transformer.log_", SCHEDULE_BUFFERS);
        weights.dropPrefix("transformer.Lt_", "training statistics of the time sampler");
        ObjectNode index = JSON.createObjectNode();
        index.put("_class_name", "VQDiffusionPipeline");
        index.put("_diffusers_version", "0.24.0");
        index.putArray("scheduler").add("diffusers").add("VQDiffusionScheduler");
        index.putArray("vqvae").add("diffusers").add("VQModel");
        if (text) {
            convertText(s, yaml, weights, codes, timesteps, components, configs, index, out);
        } else {
            convertClass(s, yaml, weights, codes, timesteps, components, configs, index);
        }
        weights.checkAllMapped(target);
        dropped.addAll(weights.dropped());
        ObjectNode source = index.putObject("_vqgen_source");
        source.put("config", s.config().getFileName().toString());
        source.put("checkpoint", s.checkpoint().getFileName().toString());
        source.put("ema_applied", ema != null);
        if (epoch != null) {
            source.put("epoch", epoch);
        }

        Map<String, String> origins = new LinkedHashMap<>(weights.origins());
        origins.putAll(codecOrigins);
        validate(s, components, configs, origins);
        Map<String, Integer> written = write(out, index, components, configs);
        LOG.info("converted {} ({} model{}) into {}: {}", s.checkpoint(), text ? "text-to-image" : "class-conditional",
                ema != null ? ", ema applied over the model" : ", no ema in the checkpoint", out, written);
        return new Report(text ? "text" : "class", written, dropped, ema != null, epoch);
    }

    private static void convertText(Sources s, ResearchYaml yaml, TensorMap weights, int codes, int timesteps,
                                    Map<String, Map<String, RawTensor>> components, Map<String, JsonNode> configs,
                                    ObjectNode index, Path out) {
        String emb = DIFFUSION + "condition_emb_config.";
        if (!yaml.string(emb + "target").equals(CLIP_EMBEDDING)) {
            throw new ConversionException(s.config() + ": key '" + emb + "target' must be " + CLIP_EMBEDDING);
        }
        refuseUnless(yaml, emb + "params.normalize", true, true);
        refuseUnless(yaml, emb + "params.pick_last_embedding", true, false);
        refuseUnless(yaml, emb + "params.additional_last_embedding", false, false);
        if (yaml.integerOr(emb + "params.embed_dim", 512) == 1024) {
            throw new ConversionException(s.config() + ": key '" + emb + "params.embed_dim' = 1024 (text features "
                    + "doubled to 1024 wide) is not supported");
        }
        configs.put(Transformer2D.COMPONENT, textTransformerConfig(yaml));
        components.put(Transformer2D.COMPONENT, transformerWeights(weights, "transformer.transformer."));

        Map<String, RawTensor> clipWeights = new LinkedHashMap<>();
        String cp = "transformer.condition_emb.";
        int layers = 0;
        for (String key : weights.keysWithPrefix(cp)) {
            String k = key.substring(cp.length());
            String[] qkv = ResearchNames.clipInProjection(k);
            if (qkv != null) {
                weights.split(key, qkv);
            } else if (k.equals("text_projection")) {
                weights.drop(key, "CLIP's pooled projection: the model reads the per-token states");
            } else if (ResearchNames.clip(k) != null) {
                weights.rename(key, ResearchNames.clip(k));
            }
            if (k.matches("transformer\\.resblocks\\.\\d+\\.ln_1\\.weight")) {
                layers++;
            }
        }
        for (Map.Entry<String, RawTensor> e : new ArrayList<>(weights.mapped().entrySet())) {
            if (e.getKey().startsWith("text_model.")) {
                clipWeights.put(e.getKey(), weights.mapped().remove(e.getKey()));
            }
        }
        RawTensor tokens = require(clipWeights, "text_model.embeddings.token_embedding.weight", s);
        RawTensor positions = require(clipWeights, "text_model.embeddings.position_embedding.weight", s);
        RawTensor fc1 = require(clipWeights, "text_model.encoder.layers.0.mlp.fc1.weight", s);
        int hidden = (int) tokens.shape()[1];
        int context = yaml.integerOr("model.params.condition_codec_config.params.context_length", 77);
        int padValue = yaml.integerOr("model.params.condition_codec_config.params.pad_value", 0);
        Path tokenizerOut = out.resolve("tokenizer");
        if (s.tokenizer() != null) {
            ResearchTokenizerFiles.fromFolder(s.tokenizer(), context, padValue, tokenizerOut);
        } else {
            String tok = "model.params.condition_codec_config.params.tokenizer_config.params.";
            Path bpe = s.bpe() != null ? s.bpe() : releaseFile(s, yaml, tok + "bpe_path",
                    "image_synthesis/modeling/modules/clip/bpe_simple_vocab_16e6.txt.gz", "--bpe");
            ResearchTokenizerFiles.fromBpe(bpe, yaml.integerOr(tok + "end_idx", 49152), context, padValue, tokenizerOut);
        }
        io.vqgen.text.ClipTokenizer tokenizer = io.vqgen.text.ClipTokenizer.load(tokenizerOut);
        ObjectNode c = JSON.createObjectNode();
        c.putArray("architectures").add("CLIPTextModel");
        c.put("model_type", "clip_text_model");
        c.put("hidden_act", "quick_gelu");
        c.put("hidden_size", hidden);
        c.put("intermediate_size", fc1.shape()[0]);
        c.put("layer_norm_eps", 1e-5);
        c.put("max_position_embeddings", positions.shape()[0]);
        c.put("num_attention_heads", hidden / 64); // as the release's clip build_model: width // 64
        c.put("num_hidden_layers", layers);
        c.put("vocab_size", tokens.shape()[0]);
        c.put("bos_token_id", tokenizer.bosId());
        c.put("eos_token_id", tokenizer.eosId());
        c.put("pad_token_id", tokenizer.padId());
        configs.put(ClipTextEncoder.COMPONENT, c);
        components.put(ClipTextEncoder.COMPONENT, clipWeights);
        index.putArray("text_encoder").add("transformers").add("CLIPTextModel");
        index.putArray("tokenizer").add("transformers").add("CLIPTokenizer");
        index.putArray("transformer").add("diffusers").add("Transformer2DModel");

        boolean yamlLearnable = yaml.booleanOr(DIFFUSION + "learnable_cf", false);
        if (weights.has("transformer.empty_text_embed")) {
            RawTensor cf = weights.take("transformer.empty_text_embed");
            ObjectNode cfConfig = JSON.createObjectNode();
            cfConfig.put("_class_name", "LearnedClassifierFreeSamplingEmbeddings");
            cfConfig.put("_diffusers_version", "0.24.0");
            cfConfig.put("learnable", true);
            cfConfig.put("hidden_size", cf.shape().length == 2 ? cf.shape()[1] : -1);
            cfConfig.put("length", cf.shape().length == 2 ? cf.shape()[0] : -1);
            configs.put(ModelFolder.CF_EMBEDDINGS, cfConfig);
            components.put(ModelFolder.CF_EMBEDDINGS, Map.of("embeddings",
                    new RawTensor("embeddings", cf.type(), cf.shape(), cf.data(), cf.source())));
            index.putArray(ModelFolder.CF_EMBEDDINGS).add("vq_diffusion").add("LearnedClassifierFreeSamplingEmbeddings");
        } else if (yamlLearnable) {
            throw new ConversionException(s.checkpoint() + ": the yaml sets '" + DIFFUSION + "learnable_cf' but "
                    + "['model'] has no 'transformer.empty_text_embed' (the learned classifier-free embeddings)");
        } else {
            ObjectNode cfConfig = JSON.createObjectNode();
            cfConfig.put("_class_name", "LearnedClassifierFreeSamplingEmbeddings");
            cfConfig.put("_diffusers_version", "0.24.0");
            cfConfig.put("learnable", false);
            configs.put(ModelFolder.CF_EMBEDDINGS, cfConfig);
            components.put(ModelFolder.CF_EMBEDDINGS, Map.of());
            index.putArray(ModelFolder.CF_EMBEDDINGS).add("vq_diffusion").add("LearnedClassifierFreeSamplingEmbeddings");
        }
    }

    /** diffusers' Transformer2DModel config.json of a Text2ImageTransformer yaml. */
    static ObjectNode textTransformerConfig(ResearchYaml yaml) {
        int timesteps = yaml.integer(DIFFUSION + "diffusion_step");
        int codes = yaml.integer(DIFFUSION + "content_emb_config.params.num_embed");
        String tr = TRANSFORMER;
        if (!yaml.stringOr(tr + "attn_type", "selfcross").equals("selfcross")
                || !yaml.stringOr(tr + "timestep_type", "adalayernorm").equals("adalayernorm")
                || !yaml.stringOr(tr + "mlp_type", "fc").equals("fc")) {
            throw new ConversionException(yaml.file() + ": keys '" + tr + "attn_type', 'timestep_type', 'mlp_type' must "
                    + "be selfcross, adalayernorm and fc (what Text2ImageTransformer in diffusers' form computes)");
        }
        String activation = switch (yaml.string(tr + "block_activate")) {
            case "GELU2" -> "geglu-approximate";
            case "GELU" -> "gelu";
            default -> throw new ConversionException(yaml.file() + ": key '" + tr + "block_activate' must be GELU2 or GELU");
        };
        int heads = yaml.integer(tr + "n_head");
        int dim = yaml.integer(tr + "n_embd");
        int[] spatial = yaml.integers(tr + "content_spatial_size");
        int[] embSpatial = yaml.integers(DIFFUSION + "content_emb_config.params.spatial_size");
        if (spatial.length != 2 || spatial[0] != spatial[1] || embSpatial.length != 2 || embSpatial[0] != spatial[0]
                || embSpatial[1] != spatial[1] || yaml.integer(tr + "content_seq_len") != spatial[0] * spatial[1]) {
            throw new ConversionException(yaml.file() + ": keys '" + tr + "content_spatial_size', 'content_seq_len' and '"
                    + DIFFUSION + "content_emb_config.params.spatial_size' must describe one square grid");
        }
        if (yaml.integerOr(tr + "mlp_hidden_times", 4) != 4) {
            throw new ConversionException(yaml.file() + ": key '" + tr + "mlp_hidden_times' must be 4 (diffusers' "
                    + "feed-forward width)");
        }
        ObjectNode t = JSON.createObjectNode();
        t.put("_class_name", "Transformer2DModel");
        t.put("_diffusers_version", "0.24.0");
        t.put("activation_fn", activation);
        t.put("attention_bias", true);
        t.put("attention_head_dim", dim / heads);
        t.put("cross_attention_dim", yaml.integer(tr + "condition_dim"));
        t.put("norm_type", "ada_norm");
        t.put("num_attention_heads", heads);
        t.put("num_embeds_ada_norm", timesteps);
        t.put("num_layers", yaml.integer(tr + "n_layer"));
        t.put("num_vector_embeds", codes + 1);
        t.put("sample_size", spatial[0]);
        return t;
    }

    private static void convertClass(Sources s, ResearchYaml yaml, TensorMap weights, int codes, int timesteps,
                                     Map<String, Map<String, RawTensor>> components, Map<String, JsonNode> configs,
                                     ObjectNode index) {
        String tr = TRANSFORMER;
        if (!yaml.stringOr(tr + "attn_type", "selfcondition").equals("selfcondition")
                || !yaml.stringOr(tr + "timestep_type", "adalayernorm").equals("adalayernorm")
                || !yaml.stringOr(tr + "class_type", "adalayernorm").equals("adalayernorm")
                || !yaml.stringOr(tr + "mlp_type", "conv_mlp").equals("conv_mlp")
                || !yaml.stringOr(tr + "block_activate", "GELU2").equals("GELU2")) {
            throw new ConversionException(s.config() + ": keys '" + tr + "attn_type', 'timestep_type', 'class_type', "
                    + "'mlp_type', 'block_activate' must be selfcondition, adalayernorm, adalayernorm, conv_mlp, GELU2");
        }
        String ce = DIFFUSION + "condition_emb_config.params.identity";
        if (!yaml.booleanOr(ce, false)) {
            throw new ConversionException(s.config() + ": key '" + ce + "' must be true (the class label itself "
                    + "selects the class embedding of each block)");
        }
        String ln2 = "transformer.transformer.blocks.0.ln2.emb.weight";
        int classes = yaml.integer(tr + "class_number");
        long classEmbeds = weights.has(ln2) ? weights.shape(ln2)[0] : classes;
        if (classEmbeds != classes && classEmbeds != classes + 1) {
            throw new ConversionException(s.checkpoint() + ": '" + ln2 + "' has " + classEmbeds + " class embeddings; "
                    + "the yaml's '" + tr + "class_number' is " + classes + " (expected that, or one more: the "
                    + "learned unconditional class of imagenet_cf)");
        }
        configs.put(ClassTransformer.COMPONENT, classTransformerConfig(yaml, (int) classEmbeds));
        String p = "transformer.transformer.";
        Map<String, RawTensor> tensors = new LinkedHashMap<>();
        for (String key : weights.keysWithPrefix(p)) {
            RawTensor raw = weights.take(key);
            String name = key.substring(p.length());
            tensors.put(name, new RawTensor(name, raw.type(), raw.shape(), raw.data(), raw.source()));
            weights.origins().put(name, key);
        }
        components.put(ClassTransformer.COMPONENT, tensors);
        index.putArray("transformer").add("vqgen").add(ClassTransformerConfig.CLASS_NAME);
    }

    /** The class-conditional transformer's config.json of a Condition2ImageTransformer yaml. */
    static ObjectNode classTransformerConfig(ResearchYaml yaml, int classEmbeds) {
        String tr = TRANSFORMER;
        int timesteps = yaml.integer(DIFFUSION + "diffusion_step");
        int codes = yaml.integer(DIFFUSION + "content_emb_config.params.num_embed");
        int heads = yaml.integer(tr + "n_head");
        int dim = yaml.integer(tr + "n_embd");
        int[] spatial = yaml.integers(tr + "content_spatial_size");
        int[] grid = yaml.integers(DIFFUSION + "content_emb_config.params.spatial_size");
        int classes = yaml.integer(tr + "class_number");
        ObjectNode t = JSON.createObjectNode();
        t.put("_class_name", ClassTransformerConfig.CLASS_NAME);
        t.put("num_layers", yaml.integer(tr + "n_layer"));
        t.put("num_attention_heads", heads);
        t.put("attention_head_dim", dim / heads);
        t.put("height", spatial[0]);
        t.put("width", spatial[1]);
        t.putArray("position_grid").add(grid[0]).add(grid[1]);
        t.put("num_vector_embeds", codes + 1);
        t.put("num_embeds_ada_norm", timesteps);
        t.put("num_classes", classes);
        t.put("num_class_embeds", classEmbeds);
        t.put("ff_mult", yaml.integerOr(tr + "mlp_hidden_times", 4));
        return t;
    }

    /** The Text2ImageTransformer's tensors in diffusers' names; its unused causal-mask buffers are dropped. */
    private static Map<String, RawTensor> transformerWeights(TensorMap weights, String prefix) {
        weights.dropMatching(java.util.regex.Pattern.quote(prefix) + "blocks\\.\\d+\\.attn\\d\\.mask",
                prefix + "blocks.*.attn2.mask", "causal-mask buffers that CrossAttention never applies");
        for (String key : weights.keysWithPrefix(prefix)) {
            String k = key.substring(prefix.length());
            if (ResearchNames.textTransformer(k) != null) {
                weights.rename(key, ResearchNames.textTransformer(k));
            }
        }
        Map<String, RawTensor> out = new LinkedHashMap<>();
        for (Map.Entry<String, RawTensor> e : new ArrayList<>(weights.mapped().entrySet())) {
            if (!e.getKey().startsWith("text_model.")) {
                out.put(e.getKey(), weights.mapped().remove(e.getKey()));
            }
        }
        return out;
    }

    /**
     * The codec's weights in VQModel's names: the codec checkpoint's {@code state_dict} (training losses dropped),
     * overridden by the model checkpoint's {@code content_codec} weights as the release's loader does; the code mapping.
     */
    private static Map<String, RawTensor> codec(Sources s, ResearchYaml yaml, ResearchYaml taming, TensorMap model,
                                                boolean gumbel, Integer numTokens, List<String> dropped,
                                                Map<String, String> origins) {
        Map<String, RawTensor> tamingWeights = new LinkedHashMap<>();
        Path codecFile = s.vqvae() != null ? s.vqvae() : releaseFileOrNull(s, yaml, CODEC + "ckpt_path");
        boolean embedded = !model.keysWithPrefix("content_codec.").isEmpty();
        if (codecFile == null && !embedded) {
            throw new ConversionException(s.config() + ": key '" + CODEC + "ckpt_path' names "
                    + yaml.stringOr(CODEC + "ckpt_path", "nothing") + ", not found under " + root(s) + ", and "
                    + s.checkpoint() + " holds no content_codec weights (pass --vqvae FILE or --release-root DIR)");
        }
        if (codecFile != null) {
            try (TorchCheckpoint ckpt = TorchCheckpoint.open(codecFile)) {
                TensorMap lightning = new TensorMap(sourced(ckpt.stateDict("state_dict"), codecFile + " ['state_dict']"),
                        codecFile + " ['state_dict']");
                lightning.dropPrefix("loss.", "training losses (discriminator, perceptual network)");
                for (String key : lightning.keysWithPrefix("")) {
                    tamingWeights.put(key, lightning.take(key));
                }
                dropped.addAll(lightning.dropped());
            }
        }
        for (String half : List.of("enc", "dec")) {
            String p = "content_codec." + half + ".";
            for (String key : model.keysWithPrefix(p)) {
                RawTensor t = model.take(key);
                tamingWeights.put(key.substring(p.length()), t); // enc.quantize and dec.quantize are one module
            }
        }
        int levels = taming.integers("model.params.ddconfig.ch_mult").length;
        TensorMap codec = new TensorMap(tamingWeights, "taming codec weights");
        TamingCodec.map(codec, levels, gumbel);
        codec.checkAllMapped(gumbel ? "GumbelVQ codec" : "VQModel codec");
        origins.putAll(codec.origins());
        Map<String, RawTensor> out = new LinkedHashMap<>(codec.mapped());
        if (numTokens != null) {
            Path mappingFile = s.mapping() != null ? s.mapping()
                    : releaseFile(s, yaml, CODEC + "mapping_path", null, "--mapping");
            long fullCodes = taming.integer("model.params.n_embed");
            long[] fullToToken = mapping(mappingFile, fullCodes, numTokens);
            long[] tokenToCode = new long[numTokens];
            java.util.Arrays.fill(tokenToCode, -1);
            for (int code = 0; code < fullToToken.length; code++) {
                int token = (int) fullToToken[code];
                if (tokenToCode[token] == -1) {
                    tokenToCode[token] = code; // the release's quantize_to_full: the first code of each token
                }
            }
            for (int token = 0; token < numTokens; token++) {
                if (tokenToCode[token] == -1) {
                    throw new ConversionException(mappingFile + ": no code maps to token " + token + " (every one of the "
                            + numTokens + " tokens needs a code to decode to)");
                }
            }
            out.put("token_to_code", longs("token_to_code", tokenToCode, mappingFile + " (inverted)"));
            out.put("code_to_token", longs("code_to_token", fullToToken, mappingFile.toString()));
        }
        return out;
    }

    private static long[] mapping(Path file, long fullCodes, int tokens) {
        try (TorchCheckpoint ckpt = TorchCheckpoint.open(file)) {
            RawTensor t = ckpt.rootTensor("full_to_quantize");
            if (t.type() != StorageType.I64 || t.shape().length != 1 || t.shape()[0] != fullCodes) {
                throw new ConversionException(file + ": expected an int64 tensor of " + fullCodes + " entries (one token "
                        + "per code of the codec), found " + t.type() + t.shapeString());
            }
            long[] out = new long[(int) fullCodes];
            t.data().order(ByteOrder.LITTLE_ENDIAN).asLongBuffer().get(out);
            for (int i = 0; i < out.length; i++) {
                if (out[i] < 0 || out[i] >= tokens) {
                    throw new ConversionException(file + ": entry " + i + " is " + out[i] + ", outside 0.." + (tokens - 1)
                            + " (quantize_number " + tokens + ")");
                }
            }
            return out;
        }
    }

    private static RawTensor longs(String name, long[] values, String source) {
        ByteBuffer b = ByteBuffer.allocate(values.length * 8).order(ByteOrder.LITTLE_ENDIAN);
        b.asLongBuffer().put(values);
        return new RawTensor(name, StorageType.I64, new long[] {values.length}, b, source);
    }

    /** research loader: ema's keys are the transformer's (DiffusionTransformer), loaded over model's. */
    private static void applyEma(Path file, Map<String, RawTensor> model, Map<String, RawTensor> ema) {
        for (Map.Entry<String, RawTensor> e : ema.entrySet()) {
            String key = "transformer." + e.getKey();
            RawTensor m = model.get(key);
            if (m == null) {
                throw new ConversionException(file + ": ['ema'] holds '" + e.getKey() + "', but ['model'] has no '" + key
                        + "' for it to replace");
            }
            if (!java.util.Arrays.equals(m.shape(), e.getValue().shape())) {
                throw new ConversionException(file + ": ['ema']['" + e.getKey() + "'] has shape "
                        + e.getValue().shapeString() + ", ['model']['" + key + "'] " + m.shapeString());
            }
            RawTensor v = e.getValue();
            model.put(key, new RawTensor(key, v.type(), v.shape(), v.data(), v.source()));
        }
    }

    private static Map<String, RawTensor> sourced(Map<String, RawTensor> tensors, String where) {
        Map<String, RawTensor> out = new LinkedHashMap<>();
        tensors.forEach((k, t) -> out.put(k, new RawTensor(k, t.type(), t.shape(), t.data(), where)));
        return out;
    }

    private static RawTensor require(Map<String, RawTensor> tensors, String name, Sources s) {
        RawTensor t = tensors.get(name);
        if (t == null) {
            throw new ConversionException(s.checkpoint() + ": ['model'] has no CLIP text weights ('" + name
                    + "' from transformer.condition_emb.*)");
        }
        return t;
    }

    private static void refuseUnless(ResearchYaml yaml, String key, boolean fallback, boolean required) {
        if (yaml.booleanOr(key, fallback) != required) {
            throw new ConversionException(yaml.file() + ": key '" + key + "' must be " + required
                    + " (what the release's text-to-image models use)");
        }
    }

    static ObjectNode schedulerConfig(int classes, int timesteps) {
        ObjectNode c = JSON.createObjectNode();
        c.put("_class_name", "VQDiffusionScheduler");
        c.put("_diffusers_version", "0.24.0");
        c.put("num_vec_classes", classes);
        c.put("num_train_timesteps", timesteps);
        // alpha_schedule's defaults in diffusion_transformer.py (alpha_init_type alpha1), diffusers' names
        c.put("alpha_cum_start", 0.99999);
        c.put("alpha_cum_end", 0.000009);
        c.put("gamma_cum_start", 0.000009);
        c.put("gamma_cum_end", 0.99999);
        c.put("last_step", "posterior"); // vqgen key: the release samples the last step from the posterior too
        return c;
    }

    /**
     * Builds every component from its converted tensors: shapes, completeness and fit are checked before writing. A
     * failure names the converted tensor, the file and the key of the release it came from.
     */
    private static void validate(Sources s, Map<String, Map<String, RawTensor>> components, Map<String, JsonNode> configs,
                                 Map<String, String> origins) {
        try {
            validate(components, configs);
        } catch (io.vqgen.weights.WeightsException | io.vqgen.model.ModelException e) {
            java.util.regex.Matcher m = java.util.regex.Pattern.compile("'([^']+)'").matcher(e.getMessage());
            String origin = m.find() ? origins.get(m.group(1)) : null;
            throw new ConversionException(s.config() + " does not match " + s.checkpoint() + ": " + e.getMessage()
                    + (origin != null ? "; the release's key is '" + origin + "'" : ""), e);
        }
    }

    private static void validate(Map<String, Map<String, RawTensor>> components, Map<String, JsonNode> configs) {
        LoadOptions options = LoadOptions.cpuFloat32();
        try (NDManager manager = NDManager.newBaseManager()) {
            for (Map.Entry<String, Map<String, RawTensor>> e : components.entrySet()) {
                StateDict weights = new StateDict(e.getKey(), e.getValue(), options);
                ComponentConfig config = new ComponentConfig(e.getKey() + "/config.json", configs.get(e.getKey()));
                try (NDManager scope = manager.newSubManager()) {
                    switch (e.getKey()) {
                        case VqModel.COMPONENT -> VqModel.create(VqConfig.from(config), weights, scope).close();
                        case ClipTextEncoder.COMPONENT ->
                                ClipTextEncoder.create(ClipTextConfig.from(config), weights, scope).close();
                        case Transformer2D.COMPONENT -> {
                            if (ClassTransformerConfig.CLASS_NAME.equals(config.declaredClass())) {
                                ClassTransformer.create(ClassTransformerConfig.from(config), weights, scope).close();
                            } else {
                                Transformer2D.create(Transformer2DConfig.from(config), weights, scope).close();
                            }
                        }
                        default -> {
                        }
                    }
                }
            }
        }
    }

    private static Map<String, Integer> write(Path out, ObjectNode index, Map<String, Map<String, RawTensor>> components,
                                              Map<String, JsonNode> configs) {
        Map<String, Integer> written = new LinkedHashMap<>();
        try {
            JSON.writerWithDefaultPrettyPrinter().writeValue(out.resolve("model_index.json").toFile(), index);
            for (Map.Entry<String, JsonNode> e : configs.entrySet()) {
                Path dir = out.resolve(e.getKey());
                Files.createDirectories(dir);
                String name = e.getKey().equals("scheduler") ? "scheduler_config.json" : "config.json";
                JSON.writerWithDefaultPrettyPrinter().writeValue(dir.resolve(name).toFile(), e.getValue());
            }
            for (Map.Entry<String, Map<String, RawTensor>> e : components.entrySet()) {
                String file = e.getKey().equals(ClipTextEncoder.COMPONENT) ? "model.safetensors"
                        : "diffusion_pytorch_model.safetensors";
                // validation read the buffers (NDManager.create advances their position): write from the start
                SafetensorsWriter.write(out.resolve(e.getKey()).resolve(file), e.getValue().values(),
                        t -> t.data().duplicate().position(0), Map.of("format", "pt"));
                written.put(e.getKey(), e.getValue().size());
            }
        } catch (IOException e) {
            throw new UncheckedIOException(out + ": cannot write the converted model: " + e.getMessage(), e);
        }
        return written;
    }

    private static Path prepare(Path out) {
        try {
            if (Files.exists(out) && (!Files.isDirectory(out) || Files.list(out).findAny().isPresent())) {
                throw new ConversionException(out + ": already exists and is not an empty folder (choose a new --out)");
            }
            Files.createDirectories(out);
            return out;
        } catch (IOException e) {
            throw new UncheckedIOException(out + ": cannot create: " + e.getMessage(), e);
        }
    }

    private static Path root(Sources s) {
        return (s.releaseRoot() != null ? s.releaseRoot() : Path.of("")).toAbsolutePath().normalize();
    }

    private static Path codecFile(Sources s, ResearchYaml yaml, Path given, String key, String flag) {
        return given != null ? given : releaseFile(s, yaml, CODEC + key, null, flag);
    }

    /** A file the yaml names (or, when the key is absent, the release's default place), under the release root. */
    private static Path releaseFile(Sources s, ResearchYaml yaml, String key, String fallback, String flag) {
        String named = yaml.has(key) ? yaml.string(key) : fallback;
        if (named == null) {
            throw new ConversionException(yaml.file() + ": missing key '" + key + "' (or pass " + flag + " FILE)");
        }
        Path file = root(s).resolve(named).normalize();
        if (!Files.isRegularFile(file)) {
            throw new ConversionException(yaml.file() + ": " + (yaml.has(key) ? "key '" + key + "' names " : "the release keeps ")
                    + named + ", not found as " + file + " (pass " + flag + " FILE, or --release-root DIR: the folder "
                    + "the release's paths start from)");
        }
        return file;
    }

    private static Path releaseFileOrNull(Sources s, ResearchYaml yaml, String key) {
        if (!yaml.has(key)) {
            return null;
        }
        Path file = root(s).resolve(yaml.string(key)).normalize();
        return Files.isRegularFile(file) ? file : null;
    }
}
