package io.vqgen.cli;

import io.vqgen.convert.OriginalConverter;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.concurrent.Callable;

/** {@code vqgen convert-original}: a model of the research release (microsoft/VQ-Diffusion) as a vqgen model folder. */
@Command(name = "convert-original", mixinStandardHelpOptions = true,
        description = {"Convert a model of the research release (microsoft/VQ-Diffusion: MSCOCO, CUB-200, Conceptual "
                + "Captions, LAION-human, ImageNet) into a model folder that generate, run, bench and eval load.",
            "Weights are those the release's inference uses: the checkpoint's 'model', with 'ema' applied over its "
                    + "transformer when present. Files the yaml names (codec yaml and checkpoint, code mapping, BPE "
                    + "file) are found relative to --release-root unless given."})
public final class ConvertOriginalCommand implements Callable<Integer> {
    @Option(names = "--config", required = true, paramLabel = "YAML",
            description = "The release's model config, e.g. configs/coco.yaml or OUTPUT/pretrained_model/config_text.yaml.")
    Path config;

    @Option(names = "--checkpoint", required = true, paramLabel = "PTH",
            description = "The release's checkpoint, e.g. coco_learnable.pth, imagenet_learnable.pth.")
    Path checkpoint;

    @Option(names = "--vqvae", paramLabel = "PTH",
            description = "The taming codec's checkpoint (default: the yaml's ckpt_path; optional when the model "
                    + "checkpoint holds the codec's weights).")
    Path vqvae;

    @Option(names = "--vqvae-config", paramLabel = "YAML", description = "The taming codec's yaml (default: the yaml's config_path).")
    Path vqvaeConfig;

    @Option(names = "--mapping", paramLabel = "PT",
            description = "The code mapping, e.g. help_folder/statistics/taming_vqvae_2887.pt (default: the yaml's mapping_path).")
    Path mapping;

    @Option(names = "--tokenizer", paramLabel = "DIR",
            description = "A CLIP tokenizer folder to use instead of the release's BPE file (text models).")
    Path tokenizer;

    @Option(names = "--bpe", paramLabel = "TXT.GZ",
            description = "The release's bpe_simple_vocab_16e6.txt.gz (default: its place under --release-root).")
    Path bpe;

    @Option(names = "--release-root", paramLabel = "DIR",
            description = "Where the yaml's relative paths start: the release's checkout (default: the current folder).")
    Path releaseRoot;

    @Option(names = "--out", required = true, paramLabel = "DIR", description = "New folder to write.")
    Path out;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        long start = System.nanoTime();
        OriginalConverter.Report report = OriginalConverter.convert(new OriginalConverter.Sources(config, checkpoint, vqvae,
                vqvaeConfig, mapping, tokenizer, bpe, releaseRoot), out);
        PrintWriter log = spec.commandLine().getOut();
        log.printf("converted %s (%s model%s%s) in %.1f s -> %s%n", checkpoint, report.kind(),
                report.emaApplied() ? ", ema applied over the model" : ", no ema in the checkpoint",
                report.epoch() == null ? "" : ", epoch " + report.epoch(), (System.nanoTime() - start) / 1e9,
                out.toAbsolutePath());
        report.written().forEach((component, n) -> log.printf("  %-45s %5d tensors%n", component, n));
        report.dropped().forEach(d -> log.println("  not converted: " + d));
        return 0;
    }
}
