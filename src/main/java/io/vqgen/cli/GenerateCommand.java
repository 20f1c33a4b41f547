package io.vqgen.cli;

import io.vqgen.pipeline.GeneratedImage;
import io.vqgen.pipeline.GenerationSetting;
import io.vqgen.pipeline.ImageProvenance;
import io.vqgen.pipeline.ImageRequest;
import io.vqgen.pipeline.NoiseMode;
import io.vqgen.pipeline.PngEncoder;
import io.vqgen.pipeline.PngText;
import io.vqgen.pipeline.SamplingOptions;
import io.vqgen.pipeline.VqDiffusionPipeline;
import io.vqgen.weights.Npy;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.BufferedOutputStream;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

/** {@code vqgen generate}: prompts in, one PNG per image, the token grids and metadata.jsonl out. */
@Command(name = "generate", mixinStandardHelpOptions = true,
        description = {"Generate images for one or more prompts (or, with a class-conditional model such as the research "
                + "release's ImageNet model, class labels) with a VQ-Diffusion model folder.",
            "Writes OUT/<i>.png (prompt order, then image order, as diffusers orders its batch; prompt, seed, model "
                    + "and settings in PNG text chunks), OUT/tokens.npy (int64 [images, height*width], row-major) and "
                    + "OUT/metadata.jsonl (one line per image: file_name, prompt, seed, model, sampler, settings; the "
                    + "Hugging Face imagefolder layout).",
            "With --noise per-image, image i uses seed N+i, so any image can be made again alone with --seed N+i.",
            "Progress goes to stderr: a bar on a terminal, one line per batch otherwise."})
public final class GenerateCommand implements Callable<Integer> {
    /** Images of one call: PNG names and tokens.npy rows are int-indexed. */
    static final int MAX_IMAGES = Integer.MAX_VALUE - 8;
    /** Images that --batch-size 0 (all in one call) may make: --images-per-prompt's bound. */
    static final int MAX_ONE_CALL = 1024;

    @Mixin
    ModelArguments model;

    @Option(names = "--prompt", paramLabel = "TEXT", description = "A prompt (repeatable).")
    List<String> prompts = new ArrayList<>();

    @Option(names = "--class-label", paramLabel = "N",
            description = "A class label of a class-conditional model, e.g. an ImageNet class 0..999 (repeatable; "
                    + "instead of --prompt).")
    List<Integer> classLabels = new ArrayList<>();

    @Option(names = "--prompts-file", paramLabel = "FILE",
            description = "Prompts, one per line: plain text, or JSON lines {\"prompt\": ..., \"seed\": N, \"id\": ...} "
                    + "(seed and id optional). Taken after any --prompt.")
    Path promptsFile;

    @Option(names = "--batch-size", paramLabel = "N", defaultValue = "0",
            description = "Images per generation call; 0 = all in one call (default: ${DEFAULT-VALUE}). With "
                    + "--noise reference an image depends on its batch, so this changes the images.")
    int batchSize;

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
        if (batchSize < 0) {
            throw new UserError("--batch-size must be 0 (one call) or more, got " + batchSize);
        }
        List<PromptLines.Line> lines = new ArrayList<>();
        prompts.forEach(p -> lines.add(new PromptLines.Line(p, null, null)));
        if (promptsFile != null) {
            lines.addAll(PromptLines.read(promptsFile));
        }
        if (lines.isEmpty() == classLabels.isEmpty()) {
            throw new UserError("give either prompts (--prompt TEXT or --prompts-file FILE, text-to-image models) or "
                    + "--class-label N (class-conditional models), at least one, not both");
        }
        int conditions = lines.isEmpty() ? classLabels.size() : lines.size();
        long total = (long) conditions * imagesPerPrompt;
        if (total > MAX_IMAGES) {
            throw new UserError(conditions + (lines.isEmpty() ? " class labels" : " prompts") + " x " + imagesPerPrompt
                    + " images is " + total + " images; one "
                    + "generate call makes at most " + MAX_IMAGES + " (use vqgen run for datasets)");
        }
        int count = (int) total;
        if (batchSize == 0 && count > MAX_ONE_CALL) {
            throw new UserError("--batch-size 0 makes all " + count + " images in one call, which holds them all in "
                    + "memory at once; give --batch-size N (e.g. 8) for more than " + MAX_ONE_CALL + " images");
        }
        ImageList images = new ImageList(lines, classLabels, imagesPerPrompt, seed, options.noise());
        long[][] initial = latents == null ? null : readLatents(latents, count);
        int batch = batchSize == 0 ? count : batchSize;
        int batches = (count + batch - 1) / batch;
        if (Files.exists(out) && !Files.isDirectory(out)) {
            throw new UserError("--out " + out + ": exists and is not a folder (expected a folder for the PNGs, "
                    + "tokens.npy and metadata.jsonl)");
        }
        Files.createDirectories(out);
        PrintWriter log = spec.commandLine().getOut();
        GenerateProgress progress = new GenerateProgress(spec.commandLine().getErr(), System.console() != null, count,
                batches);
        // token grids stream to a partial file beside tokens.npy (memory does not grow with the image count); it
        // becomes tokens.npy once every image is made
        Path tokensPartial = out.resolve("tokens.npy.partial");
        boolean done = false;
        try (VqDiffusionPipeline pipeline = VqDiffusionPipeline.load(model.localFolder(), device.toOptions());
             BufferedWriter metadata = Files.newBufferedWriter(out.resolve("metadata.jsonl"), StandardCharsets.UTF_8);
             OutputStream tokens = new BufferedOutputStream(Files.newOutputStream(tokensPartial))) {
            checkLatentsWidth(initial, pipeline);
            String sampler = pipeline.sampler(options).name();
            long start = System.nanoTime();
            Npy.writeLongsHeader(tokens, count, (long) pipeline.tokenHeight() * pipeline.tokenWidth());
            for (int from = 0; from < count; from += batch) {
                progress.batchStarts();
                List<ImageRequest> requests = new ArrayList<>();
                for (int i = from; i < Math.min(count, from + batch); i++) {
                    requests.add(images.request(i, initial == null ? null : initial[i]));
                }
                List<GeneratedImage> result = pipeline.generate(options, requests, progress);
                for (int j = 0; j < result.size(); j++) {
                    int i = from + j;
                    GeneratedImage image = result.get(j);
                    ImageRequest request = requests.get(j);
                    ImageProvenance provenance = new ImageProvenance(null, null, request.prompt(), image.seed(),
                            pipeline.identity().path(), pipeline.identity().fingerprint(), sampler, options);
                    String file = i + ".png";
                    Files.write(out.resolve(file), PngText.insert(PngEncoder.encode(image), provenance.pngText()));
                    Map<String, Object> extra = new java.util.LinkedHashMap<>();
                    if (images.id(i) != null) {
                        extra.put("id", images.id(i));
                    }
                    if (request.classLabel() != null) {
                        extra.put("class_label", request.classLabel());
                    }
                    extra.put("width", image.width());
                    extra.put("height", image.height());
                    metadata.write(provenance.json(Map.of("file_name", file), extra));
                    metadata.newLine();
                    tokens.write(Npy.longs(image.tokens()));
                }
                metadata.flush();
            }
            double seconds = (System.nanoTime() - start) / 1e9;
            tokens.close();
            Files.move(tokensPartial, out.resolve("tokens.npy"), StandardCopyOption.REPLACE_EXISTING);
            done = true;
            log.printf("%d image(s) of %dx%d in %.2f s (%s sampler, %d steps, guidance %s, truncation %s, %s noise) -> %s%n",
                    count, pipeline.imageWidth(), pipeline.imageHeight(), seconds, sampler, options.steps(),
                    options.guidanceScale(), options.truncationRate(), options.noise().label(), out.toAbsolutePath());
        } finally {
            if (!done) {
                Files.deleteIfExists(tokensPartial);
            }
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
