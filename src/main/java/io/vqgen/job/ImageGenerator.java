package io.vqgen.job;

import io.vqgen.pipeline.GeneratedImage;
import io.vqgen.pipeline.GenerationRequest;
import io.vqgen.pipeline.ModelIdentity;

import java.util.List;

/**
 * What the job needs from a loaded model: the seam between Spark mechanics and the pipeline.
 * One instance serves every task of an executor JVM (see {@link GeneratorCache}); the job never calls
 * {@link #generate} from two threads at once.
 */
public interface ImageGenerator extends AutoCloseable {
    /** Images for every request, in request order, each image's index within its request set. */
    List<GeneratedImage> generate(List<GenerationRequest> requests);

    /** The model that makes the images (folder and content fingerprint), for the manifest. */
    ModelIdentity identity();

    /** PNG bytes of one image. Called from writer threads while {@link #generate} runs: must be thread-safe. */
    byte[] encodePng(GeneratedImage image);

    @Override
    void close();
}
