package io.vqgen.cli;

import io.vqgen.pipeline.GenerationSetting;
import io.vqgen.pipeline.ImageRequest;
import io.vqgen.pipeline.NoiseMode;
import io.vqgen.pipeline.ProgressListener;
import io.vqgen.pipeline.SamplingOptions;
import io.vqgen.pipeline.VqDiffusionPipeline;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.IOException;
import java.io.PrintWriter;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;

/** {@code vqgen bench}: where the time goes, per batch size, and how much memory it takes. */
@Command(name = "bench", mixinStandardHelpOptions = true,
        description = {"Benchmark the pipeline: for each batch size (images of one prompt, as diffusers' "
                + "num_images_per_prompt), seconds for text encoding, per denoising network call and for VQ "
                + "decoding, images/s, and peak native (RSS) and heap memory.",
            "A warm-up run precedes the timed runs; figures are medians. Nothing is asserted: machines are noisy."})
public final class BenchCommand implements Callable<Integer> {
    @Mixin
    ModelArguments model;

    @Option(names = "--prompt", paramLabel = "TEXT", defaultValue = "a red double decker bus driving down a busy street",
            description = "Prompt (default: ${DEFAULT-VALUE}).")
    String prompt;

    @Option(names = "--class-label", paramLabel = "N", defaultValue = "0",
            description = "Class label for a class-conditional model, which takes no prompt (default: ${DEFAULT-VALUE}).")
    int classLabel;

    @Option(names = "--batch-sizes", paramLabel = "N,N", split = ",", defaultValue = "1",
            description = "Batch sizes to measure (default: ${DEFAULT-VALUE}).")
    List<Integer> batchSizes;

    @Option(names = "--runs", paramLabel = "N", defaultValue = "3", description = "Timed runs per batch size "
            + "(default: ${DEFAULT-VALUE}).")
    int runs;

    @Option(names = "--warmup-steps", paramLabel = "N", defaultValue = "2",
            description = "Steps of the warm-up run (default: ${DEFAULT-VALUE}).")
    int warmupSteps;

    @Option(names = "--threads", paramLabel = "N",
            description = "libtorch intra-op threads (default: libtorch's choice).")
    Integer threads;

    @Option(names = "--json", description = "Print the figures as one JSON document (after the runs) instead of a table.")
    boolean json;

    @Mixin
    DeviceArguments device;

    private CommandSpec spec;
    private SamplingArguments sampling;

    @Spec
    void spec(CommandSpec spec) {
        this.spec = spec;
        this.sampling = SamplingArguments.addTo(spec, GenerationSetting.SEED);
    }

    @Override
    public Integer call() throws IOException {
        if (runs < 1 || warmupSteps < 1 || batchSizes.stream().anyMatch(b -> b < 1)) {
            throw new UserError("--runs, --warmup-steps and every batch size must be at least 1");
        }
        if (threads != null) {
            if (threads < 1) {
                throw new UserError("--threads must be at least 1, got " + threads);
            }
            // read by DJL's PyTorch engine when it starts, which is below
            System.setProperty("ai.djl.pytorch.num_threads", threads.toString());
            System.setProperty("ai.djl.pytorch.num_interop_threads", "1");
        }
        SamplingOptions options = sampling.options();
        long seed = (Long) sampling.value(GenerationSetting.SEED);
        PrintWriter out = spec.commandLine().getOut();
        try (VqDiffusionPipeline pipeline = VqDiffusionPipeline.load(model.localFolder(), device.toOptions())) {
            Map<String, Object> settings = new LinkedHashMap<>();
            for (GenerationSetting s : GenerationSetting.sampling()) {
                Object v = options.get(s);
                settings.put(s.key(), v instanceof NoiseMode mode ? mode.label() : v);
            }
            String sampler = pipeline.sampler(options).name();
            if (!json) {
                out.printf("model %s, %dx%d tokens, device %s %s, threads %s, sampler %s, %s%n", model.model,
                        pipeline.tokenHeight(), pipeline.tokenWidth(), device.device, device.dtype,
                        threads == null ? "default" : threads, sampler, settings.entrySet().stream()
                                .map(e -> e.getKey() + " " + e.getValue()).collect(Collectors.joining(", ")));
                out.println("batch  text_s  calls  per_call_s  denoise_s  decode_s  total_s  images/s  peak_rss_MiB  peak_heap_MiB");
            }
            run(pipeline, options.withSteps(Math.min(warmupSteps, options.steps())), seed, 1);
            List<Map<String, Object>> rows = new ArrayList<>();
            for (int batch : batchSizes) {
                Measure[] measures = new Measure[runs];
                for (int r = 0; r < runs; r++) {
                    measures[r] = run(pipeline, options, seed, batch);
                }
                java.util.Arrays.sort(measures, java.util.Comparator.comparingDouble(Measure::total));
                Measure m = measures[runs / 2];
                long rss = peakRssMiB();
                long heap = peakHeapMiB();
                if (json) {
                    Map<String, Object> row = new LinkedHashMap<>();
                    row.put("batch", batch);
                    row.put("text_s", m.text);
                    row.put("calls", m.calls);
                    row.put("per_call_s", m.denoise / m.calls);
                    row.put("denoise_s", m.denoise);
                    row.put("decode_s", m.decode);
                    row.put("total_s", m.total);
                    row.put("images_per_s", batch / m.total);
                    row.put("peak_rss_mib", rss);
                    row.put("peak_heap_mib", heap);
                    rows.add(row);
                } else {
                    out.printf("%5d  %6.3f  %5d  %10.4f  %9.3f  %8.3f  %7.3f  %8.3f  %12d  %13d%n", batch, m.text,
                            m.calls, m.denoise / m.calls, m.denoise, m.decode, m.total, batch / m.total, rss, heap);
                    out.flush();
                }
            }
            if (json) {
                Map<String, Object> doc = new LinkedHashMap<>();
                doc.put("model", model.model);
                doc.put("token_height", pipeline.tokenHeight());
                doc.put("token_width", pipeline.tokenWidth());
                doc.put("device", device.device);
                doc.put("dtype", device.dtype);
                doc.put("threads", threads);
                doc.put("prompt", prompt);
                doc.put("seed", seed);
                doc.put("sampler", sampler);
                doc.put("settings", settings);
                doc.put("runs", runs);
                doc.put("warmup_steps", warmupSteps);
                doc.put("results", rows);
                JsonOutput.print(out, doc);
            }
        }
        return 0;
    }

    private record Measure(double text, int calls, double denoise, double decode, double total) {
    }

    private Measure run(VqDiffusionPipeline pipeline, SamplingOptions options, long seed, int batch) {
        List<ImageRequest> images = new java.util.ArrayList<>(batch);
        for (int i = 0; i < batch; i++) {
            images.add(pipeline.classConditional() ? ImageRequest.forClass(classLabel, seed + i, null)
                    : ImageRequest.of(prompt, seed + i));
        }
        double[] parts = new double[3];
        int[] calls = new int[1];
        ProgressListener listener = new ProgressListener() {
            @Override
            public void onStep(int call, int total, int timestep, int images) {
                calls[0] = total;
            }

            @Override
            public void onBatch(int images, double textSeconds, double denoiseSeconds, double decodeSeconds) {
                parts[0] += textSeconds;
                parts[1] += denoiseSeconds;
                parts[2] += decodeSeconds;
            }
        };
        long start = System.nanoTime();
        pipeline.generate(options, images, listener);
        double total = (System.nanoTime() - start) / 1e9;
        return new Measure(parts[0], calls[0], parts[1], parts[2], total);
    }

    /** Peak resident set size of this process (native and heap together), from /proc; -1 where unavailable. */
    private static long peakRssMiB() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith("VmHWM:")) {
                    return Long.parseLong(line.replaceAll("\\D", "")) / 1024;
                }
            }
        } catch (IOException | NumberFormatException e) {
            return -1;
        }
        return -1;
    }

    private static long peakHeapMiB() {
        long sum = 0;
        for (MemoryPoolMXBean pool : ManagementFactory.getMemoryPoolMXBeans()) {
            if (pool.getType() == MemoryType.HEAP) {
                sum += pool.getPeakUsage().getUsed();
            }
        }
        return sum >> 20;
    }
}
