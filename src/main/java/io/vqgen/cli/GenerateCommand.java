package io.vqgen.cli;

import io.vqgen.pipeline.GeneratedImage;
import io.vqgen.pipeline.GenerationSetting;
import io.vqgen.pipeline.ImageRequest;
import io.vqgen.pipeline.NoiseMode;
import io.vqgen.pipeline.PngEncoder;
import io.vqgen.pipeline.SamplingOptions;
import io.vqgen.pipeline.VqDiffusionPipeline;
import io.vqgen.weights.Npy;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;

/** {@code vqgen generate}: prompts in, one PNG per image and the token grids out. */
@Command(name = "generate", mixinStandardHelpOptions = true,
        description = {"Generate images for one or more prompts (or, with a class-conditional model such as the research "
                + "release's ImageNet model, class labels) with a VQ-Diffusion model folder.",
            "Writes OUT/<i>.png (prompt order, then image order, as diffusers orders its batch) and OUT/tokens.npy "
                    + "(int64 [images, height*width], row-major).",
            "With --noise per-image, image i uses seed N+i, so any image can be made again alone with --seed N+i."})
public final class GenerateCommand implements Callable<Integer> {
    @Mixin
    ModelArguments model;

    @Option(names = "--prompt", paramLabel = "TEXT", description = "A prompt (repeatable).")
    List<String> prompts = new ArrayList<>();

    @Option(names = "--class-label", paramLabel = "N",
            description = "A class label of a class-conditional model, e.g. an ImageNet class 0..999 (repeatable; "
                    + "instead of --prompt).")
    List<Integer> classLabels = new ArrayList<>();

    @Option(names = "--latents", paramLabel = "FILE.npy",
            description = "Initial token grids: an integer array [images, height*width]; the mask class "
                    + "(num_vector_embeds - 1) marks positions to generate.")
    Path latents;

    @Option(names = "--out", required = true, paramLabel = "DIR", description = "Output folder (created if needed).")
    Path out;

    @Mixin
    DeviceArguments device;

    private CommandSpec spec;
    private SamplingArguments sampling;

    @Spec
    void spec(CommandSpec spec) {
        this.spec = spec;
        this.sampling = SamplingArguments.addTo(spec, GenerationSetting.SEED, GenerationSetting.NUM_IMAGES);
    }

    @Override
    public Integer call() throws IOException {
        SamplingOptions options = sampling.options();
        long seed = (Long) sampling.value(GenerationSetting.SEED);
        int imagesPerPrompt = (Integer) sampling.value(GenerationSetting.NUM_IMAGES);
        if (prompts.isEmpty() == classLabels.isEmpty()) {
            throw new UserError("give either --prompt (text-to-image models) or --class-label (class-conditional "
                    + "models), at least one, not both");
        }
        int conditions = prompts.isEmpty() ? classLabels.size() : prompts.size();
        int count = conditions * imagesPerPrompt;
        if (options.noise() == NoiseMode.PER_IMAGE && seed > Long.MAX_VALUE - (count - 1)) {
            throw new UserError("--seed " + seed + " is too large for " + count + " images (image i uses seed + i)");
        }
        long[][] initial = latents == null ? null : readLatents(latents, count);
        List<ImageRequest> images = new ArrayList<>(count);
        for (int p = 0; p < conditions; p++) {
            for (int i = 0; i < imagesPerPrompt; i++) {
                int index = p * imagesPerPrompt + i;
                long imageSeed = options.noise() == NoiseMode.PER_IMAGE ? seed + index : seed;
                long[] start = initial == null ? null : initial[index];
                images.add(prompts.isEmpty() ? ImageRequest.forClass(classLabels.get(p), imageSeed, start)
                        : new ImageRequest(prompts.get(p), imageSeed, start));
            }
        }
        Files.createDirectories(out);
        PrintWriter log = spec.commandLine().getOut();
        try (VqDiffusionPipeline pipeline = VqDiffusionPipeline.load(model.localFolder(), device.toOptions())) {
            checkLatentsWidth(initial, pipeline);
            long start = System.nanoTime();
            List<GeneratedImage> result = pipeline.generate(options, images);
            double seconds = (System.nanoTime() - start) / 1e9;
            long[] tokens = new long[result.size() * pipeline.tokenHeight() * pipeline.tokenWidth()];
            int k = 0;
            for (int i = 0; i < result.size(); i++) {
                GeneratedImage image = result.get(i);
                Files.write(out.resolve(i + ".png"), PngEncoder.encode(image));
                for (int t : image.tokens()) {
                    tokens[k++] = t;
                }
            }
            try (OutputStream file = Files.newOutputStream(out.resolve("tokens.npy"))) {
                Npy.writeLongs(file, tokens, result.size(), (long) pipeline.tokenHeight() * pipeline.tokenWidth());
            }
            log.printf("%d image(s) of %dx%d in %.2f s (%s sampler, %d steps, guidance %s, truncation %s, %s noise) -> %s%n",
                    result.size(), pipeline.imageWidth(), pipeline.imageHeight(), seconds,
                    pipeline.sampler(options).name(), options.steps(), options.guidanceScale(),
                    options.truncationRate(), options.noise().label(), out.toAbsolutePath());
        }
        return 0;
    }

    private static long[][] readLatents(Path file, int images) {
        Npy.Array array = Npy.read(file);
        if (array.shape().length != 2 || array.shape()[0] != images) {
            throw new UserError(file + ": expected an integer array [" + images + " images, height*width], got shape "
                    + java.util.Arrays.toString(array.shape()));
        }
        long[] flat;
        try {
            flat = array.toLongs();
        } catch (RuntimeException e) {
            throw new UserError(file + ": expected an integer array, got " + array.type());
        }
        int n = (int) array.shape()[1];
        long[][] out = new long[images][];
        for (int i = 0; i < images; i++) {
            out[i] = java.util.Arrays.copyOfRange(flat, i * n, (i + 1) * n);
        }
        return out;
    }

    private static void checkLatentsWidth(long[][] initial, VqDiffusionPipeline pipeline) {
        int n = pipeline.tokenHeight() * pipeline.tokenWidth();
        if (initial != null && initial[0].length != n) {
            throw new UserError("--latents: expected " + n + " tokens per image (" + pipeline.tokenHeight() + "x"
                    + pipeline.tokenWidth() + "), got " + initial[0].length);
        }
    }
}
