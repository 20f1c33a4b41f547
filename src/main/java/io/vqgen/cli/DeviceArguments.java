package io.vqgen.cli;

import io.vqgen.pipeline.PipelineOptions;
import picocli.CommandLine.Option;

/** Where the pipeline runs. */
final class DeviceArguments {
    @Option(names = "--device", paramLabel = "DEV", defaultValue = "cpu",
            description = "cpu, gpu or gpu:N (default: ${DEFAULT-VALUE}). A GPU needs a CUDA libtorch (see README).")
    String device;

    @Option(names = "--dtype", paramLabel = "TYPE", defaultValue = "float32",
            description = "Weights precision: float32 or float16 (default: ${DEFAULT-VALUE}).")
    String dtype;

    PipelineOptions toOptions() {
        return new PipelineOptions(device, dtype);
    }
}
