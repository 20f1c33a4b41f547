package io.vqgen.eval;

import ai.djl.ndarray.NDManager;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.vqgen.model.ClipModel;
import io.vqgen.model.ClipModelConfig;
import io.vqgen.model.inception.FidInception;
import io.vqgen.pipeline.ModelInitializer;
import io.vqgen.text.ClipTokenizer;
import io.vqgen.weights.ComponentConfig;
import io.vqgen.weights.LoadOptions;
import io.vqgen.weights.StateDict;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Random-weight networks of the evaluation models' real layouts ({@code init-model --preset clip-tiny|fid-inception}),
 * for tests and smoke runs: the weights are those the models ask for when built, seeded per tensor name, so the
 * same seed always gives byte-identical files, and they load through the same code as real checkpoints.
 */
public final class EvalModels {
    /** The file {@code fid-inception} writes into its folder. */
    public static final String FID_FILE = "pt_inception-random.safetensors";
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final List<String> TOKENIZER_FILES = List.of("vocab.json", "merges.txt", "tokenizer_config.json",
            "special_tokens_map.json");

    /** The presets this class writes. */
    public enum Preset {
        /** A transformers CLIPModel folder: 2-layer towers (64 and 128 wide, head dim 64), 32x32 images, patch 8. */
        CLIP_TINY,
        /** pytorch-fid's FID Inception, full size (23.9 M parameters, 96 MB). */
        FID_INCEPTION;

        public String label() {
            return name().toLowerCase(Locale.ROOT).replace('_', '-');
        }

        /** The preset of this label, or null when it is not one of these. */
        public static Preset find(String label) {
            for (Preset p : values()) {
                if (p.label().equals(label.toLowerCase(Locale.ROOT))) {
                    return p;
                }
            }
            return null;
        }
    }

    private EvalModels() {
    }

    /**
     * @param tokenizer clip-tiny: a CLIP tokenizer folder to copy (the text tower's vocabulary then follows it), or
     *                  null to train a small one; fid-inception: must be null
     */
    public static void write(Preset preset, long seed, Path out, Path tokenizer) throws IOException {
        if (Files.exists(out) && (!Files.isDirectory(out) || Files.list(out).findAny().isPresent())) {
            throw new EvalException(out + ": already exists and is not an empty folder (choose a new --out)");
        }
        Files.createDirectories(out);
        if (preset == Preset.FID_INCEPTION) {
            if (tokenizer != null) {
                throw new EvalException("preset fid-inception takes no --tokenizer");
            }
            StateDict weights = StateDict.synthesizing("fid_inception", seed, LoadOptions.cpuFloat32(),
                    FidInception.RANDOM_INIT);
            try (NDManager manager = NDManager.newBaseManager()) {
                FidInception.create(weights, manager).close();
            }
            weights.writeSynthesized(out.resolve(FID_FILE));
            return;
        }
        writeClipTiny(seed, out, tokenizer);
    }

    private static void writeClipTiny(long seed, Path out, Path tokenizer) throws IOException {
        ObjectNode config;
        for (String file : List.of("config.json", "preprocessor_config.json")) {
            try (InputStream in = EvalModels.class.getResourceAsStream("/io/vqgen/presets/clip-tiny/" + file)) {
                Files.write(out.resolve(file), in.readAllBytes());
            }
        }
        config = (ObjectNode) JSON.readTree(out.resolve("config.json").toFile());
        ObjectNode text = (ObjectNode) config.get("text_config");
        ClipModelConfig preset = ClipModelConfig.from(new ComponentConfig(out.resolve("config.json").toString(), config));
        if (tokenizer == null) {
            text.put("vocab_size", ModelInitializer.trainTokenizer(out, preset.text().vocabSize(), "<|endoftext|>"));
        } else {
            for (String file : TOKENIZER_FILES) {
                Files.copy(tokenizer.resolve(file), out.resolve(file));
            }
        }
        ClipTokenizer loaded = ClipTokenizer.load(out);
        if (tokenizer != null) {
            text.put("vocab_size", Math.max(Math.max(loaded.bosId(), loaded.eosId()), loaded.padId()) + 1);
        }
        for (Map.Entry<String, Integer> id : Map.of("bos_token_id", loaded.bosId(), "eos_token_id", loaded.eosId(),
                "pad_token_id", loaded.padId()).entrySet()) {
            text.put(id.getKey(), id.getValue());
        }
        JSON.writerWithDefaultPrettyPrinter().writeValue(out.resolve("config.json").toFile(), config);
        StateDict weights = StateDict.synthesizing("clip", seed, LoadOptions.cpuFloat32(), (name, shape) ->
                name.equals("logit_scale") ? new io.vqgen.weights.WeightInit.Constant((float) preset.logitScaleInit())
                        : io.vqgen.weights.WeightInit.DEFAULT.of(name, shape));
        try (NDManager manager = NDManager.newBaseManager()) {
            ClipModel.create(ClipModelConfig.from(new ComponentConfig(out.resolve("config.json").toString(), config)),
                    weights, manager).close();
        }
        weights.writeSynthesized(out.resolve("model.safetensors"));
    }
}
