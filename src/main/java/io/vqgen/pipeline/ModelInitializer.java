package io.vqgen.pipeline;

import ai.djl.ndarray.NDManager;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.vqgen.model.ClipTextConfig;
import io.vqgen.model.ClipTextEncoder;
import io.vqgen.model.Transformer2D;
import io.vqgen.model.Transformer2DConfig;
import io.vqgen.model.vq.VqConfig;
import io.vqgen.model.vq.VqModel;
import io.vqgen.text.ClipTokenizer;
import io.vqgen.text.TokenizerTrainer;
import io.vqgen.weights.ComponentConfig;
import io.vqgen.weights.LoadOptions;
import io.vqgen.weights.ModelFolder;
import io.vqgen.weights.StateDict;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

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
        ITHQ;

        public static Preset parse(String s) {
            try {
                return valueOf(s.toUpperCase(Locale.ROOT));
            } catch (IllegalArgumentException e) {
                throw new PipelineException("unknown preset '" + s + "' (expected tiny, bench or ithq)");
            }
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
                if (in == null) {
                    throw new IllegalStateException("preset resource missing: " + base + config);
                }
                Path target = out.resolve(config);
                Files.createDirectories(target.getParent());
                Files.write(target, in.readAllBytes());
            }
        }
        writeTokenizerAndWeights(out, seed, preset == Preset.TINY ? null : requireTokenizer(tokenizer, preset));
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
                : Files.isDirectory(ownTokenizer) ? ownTokenizer : null);
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

    private static void writeTokenizerAndWeights(Path out, long seed, Path tokenizer) throws IOException {
        Path tokenizerOut = out.resolve("tokenizer");
        Path textConfigFile = out.resolve("text_encoder/config.json");
        ObjectNode textConfig = (ObjectNode) JSON.readTree(textConfigFile.toFile());
        if (tokenizer == null) {
            int size = TokenizerTrainer.write(tokenizerOut, corpus(), vocabSize(textConfigFile, textConfig), TINY_PAD);
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
        synthesize(folder, seed, Transformer2D.COMPONENT, "diffusion_pytorch_model.safetensors", (weights, m) -> Transformer2D.create(
                Transformer2DConfig.from(folder.config(Transformer2D.COMPONENT)), weights, m).close());
        synthesize(folder, seed, VqModel.COMPONENT, "diffusion_pytorch_model.safetensors",
                (weights, m) -> VqModel.create(VqConfig.from(folder.config(VqModel.COMPONENT)), weights, m).close());
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

    private static List<String> corpus() {
        try (InputStream in = ModelInitializer.class.getResourceAsStream("/io/vqgen/text/tokenizer-corpus.txt")) {
            return Arrays.asList(new String(in.readAllBytes(), StandardCharsets.UTF_8).split("\n"));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
