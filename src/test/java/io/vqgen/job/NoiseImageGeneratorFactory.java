package io.vqgen.job;

import io.vqgen.pipeline.GeneratedImage;
import io.vqgen.pipeline.ImageRequest;
import io.vqgen.pipeline.ModelIdentity;
import io.vqgen.pipeline.SamplingOptions;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * TEST DOUBLE: {@link FakeGenerator}'s token grids with {@value #SIDE}×{@value #SIDE} images of seeded noise, whose
 * PNGs do not compress (about 770 KiB each): a few of them make a manifest with inline images large enough for S3A
 * to upload it in parts (a multipart upload, completed when the file is closed).
 */
public final class NoiseImageGeneratorFactory implements GeneratorFactory {
    static final int SIDE = 512;

    @Override
    public ImageGenerator create(Path modelDir, String device, String dtype) {
        FakeGenerator fake = new FakeGenerator(modelDir.toString());
        return new ImageGenerator() {
            @Override
            public List<GeneratedImage> generate(SamplingOptions sampling, List<ImageRequest> images) {
                List<GeneratedImage> out = new ArrayList<>();
                for (GeneratedImage g : fake.generate(sampling, images)) {
                    byte[] rgb = new byte[SIDE * SIDE * 3];
                    new SplittableRandom(g.seed() * 31 + g.tokens()[0]).nextBytes(rgb);
                    out.add(new GeneratedImage(g.seed(), g.tokens(), g.tokenHeight(), g.tokenWidth(), rgb, null, SIDE,
                            SIDE));
                }
                return out;
            }

            @Override
            public String samplerName(SamplingOptions sampling) {
                return fake.samplerName(sampling);
            }

            @Override
            public ModelIdentity identity() {
                return fake.identity();
            }

            @Override
            public byte[] encodePng(GeneratedImage image) {
                return fake.encodePng(image);
            }

            @Override
            public void close() {
            }
        };
    }
}
