package io.vqgen.job;

import io.vqgen.pipeline.GeneratedImage;
import io.vqgen.pipeline.ImageRequest;
import io.vqgen.pipeline.ModelIdentity;
import io.vqgen.pipeline.PipelineOptions;
import io.vqgen.pipeline.PngEncoder;
import io.vqgen.pipeline.SamplingOptions;
import io.vqgen.pipeline.VqDiffusionPipeline;

import java.nio.file.Path;
import java.util.List;

/** The job's generator: one {@link VqDiffusionPipeline} (the job's per-JVM cache decides how many get built). */
public final class PipelineGeneratorFactory implements GeneratorFactory {
    private static final long serialVersionUID = 1L;

    @Override
    public ImageGenerator create(Path modelDir, String device, String dtype) {
        VqDiffusionPipeline pipeline = VqDiffusionPipeline.load(modelDir, new PipelineOptions(device, dtype));
        return new ImageGenerator() {
            @Override
            public List<GeneratedImage> generate(SamplingOptions sampling, List<ImageRequest> images) {
                return pipeline.generate(sampling, images);
            }

            @Override
            public String samplerName(SamplingOptions sampling) {
                return pipeline.sampler(sampling).name();
            }

            @Override
            public ModelIdentity identity() {
                return pipeline.identity();
            }

            @Override
            public byte[] encodePng(GeneratedImage image) {
                return PngEncoder.encode(image);
            }

            @Override
            public void close() {
                pipeline.close();
            }
        };
    }
}
