package io.vqgen.pipeline;

import ai.djl.ndarray.NDManager;
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
import io.vqgen.text.ClipTokenizer;
import io.vqgen.text.ResearchTokenizerFiles;
import io.vqgen.text.TokenizerTrainer;
import io.vqgen.weights.ComponentConfig;
import io.vqgen.weights.LoadOptions;
import io.vqgen.weights.ModelFolder;
import io.vqgen.weights.RawTensor;
import io.vqgen.weights.StateDict;
import io.vqgen.weights.StorageType;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Writes a complete diffusers-format VQ-Diffusion folder with seeded random weights: configs, tokenizer and
 * {@code .safetensors} files, for smoke tests of a cluster without downloading gigabytes, for the sample data and
 * for benchmarks. The weights are those the models themselves ask for when built from the configs, so the
 * folder always loads; the same (configs, seed) always gives byte-identical files.
 */
public final class ModelInitializer {
    /** Built-in shapes. */
    public enum Preset {
        /** A few MB: 64 codes, 16x16 tokens, 32x32 images, its own 1000-entry tokenizer. */
        TINY,
        /** The reference benchmark model's shapes (4096 codes, 32x32 tokens, 256x256 images); needs a CLIP tokenizer. */
        BENCH,
        /** microsoft/vq-diffusion-ithq's shapes (36 layers x 1408, ~1.4 B parameters); needs a CLIP tokenizer. */
        ITHQ,
        /**
         * The research release's MSCOCO model as convert-original writes it (coco_learnable.pth with configs/coco.yaml:
         * 19 layers x 1024, 2887 of the Gumbel f8 codec's 8192 codes, learned classifier-free embeddings); needs a CLIP
         * tokenizer.
         */
        COCO,
        /** The release's CUB-200 model (cub_pretrained.pth: COCO's shapes, no learned classifier-free embeddings). */
        CUB,
        /**
         * The release's ImageNet model (imagenet_learnable.pth: class-conditional, 24 layers x 512, 16x16 tokens of 974
         * of the f16 VQGAN's 16384 codes, 1000 classes and a learned unconditional one); no tokenizer.
         */
        IMAGENET;

        public static Preset parse(String s) {
            try {
                return valueOf(s.toUpperCase(Locale.ROOT));
            } catch (IllegalArgumentException e) {
                throw new PipelineException("unknown preset '" + s
                        + "' (expected tiny, bench, ithq, coco, cub or imagenet)");
            }
        }

        /** Presets converted from the research release: their tokenizer keeps its text convention. */
        boolean research() {
            return this == COCO || this == CUB || this == IMAGENET;
        }
    }

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final List<String> CONFIGS = List.of("model_index.json", "scheduler/scheduler_config.json",
            "text_encoder/config.json", "transformer/config.json", "vqvae/config.json",
            ModelFolder.CF_EMBEDDINGS + "/config.json");
    private static final String TINY_PAD = "!";

    private ModelInitializer() {
    }

    /**
     * @param tokenizer a CLIP tokenizer folder to copy (required for bench and ithq); null for tiny, which trains
     *                  its own
     */
    public static void fromPreset(Preset preset, long seed, Path out, Path tokenizer) throws IOException {
        prepare(out);
        String base = "/io/vqgen/presets/" + preset.name().toLowerCase(Locale.ROOT) + "/";
        for (String config : CONFIGS) {
            try (InputStream in = ModelInitializer.class.getResourceAsStream(base + config)) {
                if (in == null && preset == Preset.IMAGENET && !config.startsWith("transformer") && !config.startsWith("vqvae")
                        && !config.startsWith("scheduler") && !config.equals("model_index.json")) {
                    continue; // class-conditional: no text side
                }
                if (in == null) {
                    throw new IllegalStateException("preset resource missing: " + base + config);
                }
                Path target = out.resolve(config);
                Files.createDirectories(target.getParent());
                Files.write(target, in.readAllBytes());
            }
        }
        if (preset == Preset.IMAGENET) {
            writeWeights(out, seed);
            return;
        }
        Path source = preset == Preset.TINY ? null : requireTokenizer(tokenizer, preset);
        if (preset.research()) {
            // the release pads with id 0 and keeps eos when it cuts a prompt: its tokenizer convention
            ResearchTokenizerFiles.fromFolder(source, 77, 0, out.resolve("tokenizer"));
            writeTokenizerAndWeights(out, seed, null, true);
        } else {
            writeTokenizerAndWeights(out, seed, source, false);
        }
    }

    /**
     * From a folder holding the component configs in diffusers layout (model_index.json, scheduler/, text_encoder/,
     * transformer/, vqvae/, and optionally learned_classifier_free_sampling_embeddings/ and tokenizer/).
     */
    public static void fromConfigs(Path configDir, long seed, Path out, Path tokenizer) throws IOException {
        prepare(out);
        for (String config : CONFIGS) {
            Path source = configDir.resolve(config);
            if (!Files.isRegularFile(source)) {
                if (config.startsWith(ModelFolder.CF_EMBEDDINGS)) {
                    continue;
                }
                throw new PipelineException(source + ": missing (expected the component configs in diffusers "
                        + "layout: " + String.join(", ", CONFIGS) + ")");
            }
            Path target = out.resolve(config);
            Files.createDirectories(target.getParent());
            Files.copy(source, target);
        }
        Path ownTokenizer = configDir.resolve("tokenizer");
        writeTokenizerAndWeights(out, seed, tokenizer != null ? tokenizer
                : Files.isDirectory(ownTokenizer) ? ownTokenizer : null, false);
    }

    private static void prepare(Path out) throws IOException {
        if (Files.exists(out) && (!Files.isDirectory(out) || Files.list(out).findAny().isPresent())) {
            throw new PipelineException(out + ": already exists and is not an empty folder (choose a new --out)");
        }
        Files.createDirectories(out);
    }

    private static Path requireTokenizer(Path tokenizer, Preset preset) {
        if (tokenizer == null) {
            throw new PipelineException("preset " + preset.name().toLowerCase(Locale.ROOT) + " needs a CLIP "
                    + "tokenizer folder (--tokenizer DIR with vocab.json, merges.txt, tokenizer_config.json, "
                    + "special_tokens_map.json; vqgen does not ship the CLIP vocabulary)");
        }
        return tokenizer;
    }

    /**
     * @param tokenizer      a tokenizer folder to copy, or null to train the tiny one (unless {@code tokenizerWritten})
     * @param tokenizerWritten the tokenizer folder is already in place
     */
    private static void writeTokenizerAndWeights(Path out, long seed, Path tokenizer, boolean tokenizerWritten)
            throws IOException {
        Path tokenizerOut = out.resolve("tokenizer");
        Path textConfigFile = out.resolve("text_encoder/config.json");
        ObjectNode textConfig = (ObjectNode) JSON.readTree(textConfigFile.toFile());
        if (tokenizerWritten) {
            ClipTokenizer.load(tokenizerOut);
        } else if (tokenizer == null) {
            int size = trainTokenizer(tokenizerOut, vocabSize(textConfigFile, textConfig), TINY_PAD);
            textConfig.put("vocab_size", size);
        } else {
            Files.createDirectories(tokenizerOut);
            for (String file : List.of("vocab.json", "merges.txt", "tokenizer_config.json", "special_tokens_map.json")) {
                Files.copy(tokenizer.resolve(file), tokenizerOut.resolve(file));
            }
        }
        ClipTokenizer loaded = ClipTokenizer.load(tokenizerOut);
        textConfig.put("bos_token_id", loaded.bosId());
        textConfig.put("eos_token_id", loaded.eosId());
        textConfig.put("pad_token_id", loaded.padId());
        JSON.writerWithDefaultPrettyPrinter().writeValue(textConfigFile.toFile(), textConfig);
        int vocab = vocabSize(textConfigFile, textConfig);
        int maxId = Math.max(Math.max(loaded.bosId(), loaded.eosId()), loaded.padId());
        if (maxId >= vocab) {
            throw new PipelineException(tokenizer + ": token id " + maxId + " does not fit the text encoder's "
                    + "vocab_size " + vocab + " (use a tokenizer matching text_encoder/config.json)");
        }

        ModelFolder folder = ModelFolder.open(out);
        synthesize(folder, seed, ClipTextEncoder.COMPONENT, "model.safetensors", (weights, m) -> ClipTextEncoder.create(
                ClipTextConfig.from(folder.config(ClipTextEncoder.COMPONENT)), weights, m).close());
        writeWeights(out, seed);
        if (folder.hasComponent(ModelFolder.CF_EMBEDDINGS)) {
            ComponentConfig cf = folder.config(ModelFolder.CF_EMBEDDINGS).as("LearnedClassifierFreeSamplingEmbeddings");
            long[] shape = cf.flag("learnable")
                    ? new long[] {cf.integer("length", 1), cf.integer("hidden_size", 1)} : new long[] {0};
            synthesize(folder, seed, ModelFolder.CF_EMBEDDINGS, "diffusion_pytorch_model.safetensors",
                    (weights, m) -> weights.take(m, "embeddings", shape));
        }
    }

    /** The text encoder's vocab_size as the model reads it (transformers' default when absent). */
    private static int vocabSize(Path file, ObjectNode textConfig) {
        return new ComponentConfig(file.toString(), textConfig).as(ClipTextConfig.CLASS).integer("vocab_size", 1);
    }

    /** The transformer (text-to-image or class-conditional) and the VQ-VAE (with its code mapping when it has one). */
    private static void writeWeights(Path out, long seed) throws IOException {
        ModelFolder folder = ModelFolder.open(out);
        ComponentConfig transformer = folder.config(Transformer2D.COMPONENT);
        boolean classes = ClassTransformerConfig.CLASS_NAME.equals(transformer.declaredClass());
        synthesize(folder, seed, Transformer2D.COMPONENT, "diffusion_pytorch_model.safetensors", (weights, m) -> {
            if (classes) {
                ClassTransformer.create(ClassTransformerConfig.from(transformer), weights, m).close();
            } else {
                Transformer2D.create(Transformer2DConfig.from(transformer), weights, m).close();
            }
        });
        VqConfig vq = VqConfig.from(folder.config(VqModel.COMPONENT));
        StateDict weights = StateDict.synthesizing(VqModel.COMPONENT, seed, LoadOptions.cpuFloat32(), codeMapping(vq));
        try (NDManager manager = NDManager.newBaseManager()) {
            VqModel.create(vq, weights, manager).close();
        }
        weights.writeSynthesized(folder.componentDir(VqModel.COMPONENT).resolve("diffusion_pytorch_model.safetensors"));
    }

    /**
     * A valid code mapping for a random VQ-VAE with {@code num_tokens}: token t uses code ⌊t·V/T⌋ (distinct codes),
     * code c maps back to token ⌊c·T/V⌋.
     */
    private static Map<String, RawTensor> codeMapping(VqConfig vq) {
        if (vq.numTokens() == null) {
            return Map.of();
        }
        long tokens = vq.numTokens();
        long codes = vq.numVqEmbeddings();
        ByteBuffer toCode = ByteBuffer.allocate((int) tokens * 8).order(ByteOrder.LITTLE_ENDIAN);
        for (long t = 0; t < tokens; t++) {
            toCode.putLong(t * codes / tokens);
        }
        ByteBuffer toToken = ByteBuffer.allocate((int) codes * 8).order(ByteOrder.LITTLE_ENDIAN);
        for (long c = 0; c < codes; c++) {
            toToken.putLong(c * tokens / codes);
        }
        return Map.of("token_to_code", new RawTensor("token_to_code", StorageType.I64, new long[] {tokens}, toCode.flip(), "preset"),
                "code_to_token", new RawTensor("code_to_token", StorageType.I64, new long[] {codes}, toToken.flip(), "preset"));
    }

    private interface Builder {
        void build(StateDict weights, NDManager manager);
    }

    private static void synthesize(ModelFolder folder, long seed, String component, String file, Builder builder)
            throws IOException {
        StateDict weights = StateDict.synthesizing(component, seed, LoadOptions.cpuFloat32());
        try (NDManager manager = NDManager.newBaseManager()) {
            builder.build(weights, manager);
        }
        weights.writeSynthesized(folder.componentDir(component).resolve(file));
    }

    /**
     * Trains a small CLIP-format tokenizer on the built-in caption corpus into {@code dir} (for models that need no
     * real vocabulary: the tiny presets).
     *
     * @return its vocabulary size, at most {@code vocabSize}
     */
    public static int trainTokenizer(Path dir, int vocabSize, String padToken) throws IOException {
        return TokenizerTrainer.write(dir, corpus(), vocabSize, padToken);
    }

    private static List<String> corpus() {
        try (InputStream in = ModelInitializer.class.getResourceAsStream("/io/vqgen/text/tokenizer-corpus.txt")) {
            return Arrays.asList(new String(in.readAllBytes(), StandardCharsets.UTF_8).split("\n"));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
