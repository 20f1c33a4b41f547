package io.vqgen.cli;

import io.vqgen.weights.ModelCache;
import io.vqgen.weights.ModelLocation;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/** Which model a command loads: a local folder, or a remote one copied into a local cache first. */
final class ModelArguments {
    @Option(names = "--model", required = true, paramLabel = "DIR|URI",
            description = "diffusers VQ-Diffusion folder: a local path, or an s3a://, hdfs:// … URI (copied once "
                    + "into --model-cache, verified on every use).")
    String model;

    @Option(names = "--model-cache", paramLabel = "DIR",
            description = "Where a remote model is copied (default: $XDG_CACHE_HOME/vqgen/models or "
                    + "~/.cache/vqgen/models).")
    Path cache;

    @Option(names = "--conf", paramLabel = "KEY=VALUE",
            description = "Hadoop setting for a remote model, e.g. fs.s3a.endpoint=...; a spark.hadoop. prefix is "
                    + "dropped, so job-file keys can be reused. Credentials: use the environment, not this.")
    Map<String, String> conf = new LinkedHashMap<>();

    /** The model's local folder, copying a remote one into the cache when needed. */
    Path localFolder() {
        ModelLocation location = ModelLocation.parse(model);
        if (!location.isRemote()) {
            return location.local();
        }
        return new ModelCache(cacheDir()).localCopy(location.files(HadoopSettings.of(conf)));
    }

    private Path cacheDir() {
        if (cache != null) {
            return cache;
        }
        String xdg = System.getenv("XDG_CACHE_HOME");
        Path base = xdg != null && !xdg.isBlank() ? Path.of(xdg) : Path.of(System.getProperty("user.home"), ".cache");
        return base.resolve("vqgen").resolve("models");
    }
}
