package io.vqgen.cli;

import io.vqgen.eval.EvalModels;
import io.vqgen.pipeline.ModelInitializer;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.IOException;
import java.nio.file.Path;
import java.util.concurrent.Callable;

/** {@code vqgen init-model}: a complete diffusers-format folder with seeded random weights. */
@Command(name = "init-model", mixinStandardHelpOptions = true,
        description = {"Write a complete diffusers-format VQ-Diffusion folder (configs, tokenizer, .safetensors "
                + "weights) with seeded random weights: for smoke tests of a cluster, sample data and benchmarks; or "
                + "an evaluation network of the real layout (clip-tiny, fid-inception).",
            "Images from random weights are noise. The same configs and seed always give identical files."})
public final class InitModelCommand implements Callable<Integer> {
    @ArgGroup(exclusive = true, multiplicity = "1")
    Shapes shapes;

    static final class Shapes {
        @Option(names = "--preset", required = true, paramLabel = "NAME",
                description = "tiny (a few MB, its own tokenizer), bench (the reference benchmark shapes), ithq "
                        + "(microsoft/vq-diffusion-ithq's shapes, ~1.4 B parameters, ~5.5 GB), the research "
                        + "release's models as convert-original writes them: coco (MSCOCO, ~2 GB), cub (CUB-200) and "
                        + "imagenet (class-conditional, no tokenizer); for evaluation: clip-tiny (a transformers "
                        + "CLIPModel folder, 2-layer towers, its own tokenizer unless --tokenizer) or fid-inception "
                        + "(pytorch-fid's FID Inception, full size, 96 MB).")
        String preset;

        @Option(names = "--config", required = true, paramLabel = "DIR",
                description = "A folder with the component configs in diffusers layout (model_index.json, "
                        + "scheduler/, text_encoder/, transformer/, vqvae/, optionally "
                        + "learned_classifier_free_sampling_embeddings/ and tokenizer/).")
        Path config;
    }

    @Option(names = "--tokenizer", paramLabel = "DIR",
            description = "CLIP tokenizer folder to copy (needed by bench, ithq, coco and cub: vqgen does not ship the "
                    + "CLIP vocabulary).")
    Path tokenizer;

    @Option(names = "--seed", paramLabel = "N", defaultValue = "0", description = "Seed (default: ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--out", required = true, paramLabel = "DIR", description = "New folder to write.")
    Path out;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws IOException {
        EvalModels.Preset evalPreset = shapes.preset == null ? null : EvalModels.Preset.find(shapes.preset);
        if (evalPreset != null) {
            EvalModels.write(evalPreset, seed, out, tokenizer);
        } else if (shapes.preset != null) {
            ModelInitializer.fromPreset(ModelInitializer.Preset.parse(shapes.preset), seed, out, tokenizer);
        } else {
            ModelInitializer.fromConfigs(shapes.config, seed, out, tokenizer);
        }
        spec.commandLine().getOut().println("wrote " + out.toAbsolutePath());
        return 0;
    }
}
