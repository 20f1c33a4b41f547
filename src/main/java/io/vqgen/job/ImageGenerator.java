package io.vqgen.job;

import io.vqgen.pipeline.GeneratedImage;
import io.vqgen.pipeline.ImageRequest;
import io.vqgen.pipeline.ModelIdentity;
import io.vqgen.pipeline.SamplingOptions;

import java.util.List;

/**
 * What the job needs from a loaded model: the seam between Spark mechanics and the pipeline.
 * One instance serves every task of an executor JVM (see {@link GeneratorCache}); the job never calls
 * {@link #generate} from two threads at once.
 */
public interface ImageGenerator extends AutoCloseable {
    /** The images, in request order, as one batch with one set of sampling options. */
    List<GeneratedImage> generate(SamplingOptions sampling, List<ImageRequest> images);

    /** The manifest's sampler label for these options: the sampler they choose, named by itself. */
    String samplerName(SamplingOptions sampling);

    /** The model that makes the images (folder and content fingerprint), for the manifest. */
    ModelIdentity identity();

    /** PNG bytes of one image. Called from writer threads while {@link #generate} runs: must be thread-safe. */
    byte[] encodePng(GeneratedImage image);

    @Override
    void close();
}
