package io.vqgen.job;

import io.vqgen.pipeline.GeneratedImage;
import io.vqgen.pipeline.ImageRequest;
import io.vqgen.pipeline.PipelineOptions;
import io.vqgen.pipeline.PngEncoder;
import io.vqgen.pipeline.SamplingOptions;
import io.vqgen.pipeline.VqDiffusionPipeline;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import static io.vqgen.job.JobTestSupport.okImages;
import static io.vqgen.job.JobTestSupport.row;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The job with the real generator ({@link PipelineGeneratorFactory}, the default) on sample-data/model, file://
 * in and out: every image present and decodable, the manifest complete and consistent with the images, and each
 * token grid and PNG what the pipeline makes alone for the same prompt, seed and options.
 */
class PipelineJobEndToEndTest {
    private static final Path MODEL = Path.of("sample-data/model").toAbsolutePath();

    @TempDir
    Path tmp;

    private record Expected(String id, String prompt, long seed, int index, SamplingOptions sampling) {
    }

    @Test
    void realPipelineThroughTheJobMakesWhatTheCliMakes() throws IOException {
        Path input = JobTestSupport.prompts(tmp.resolve("in/prompts.parquet"),
                row("r1", "a red bus on a street"),
                "{\"id\": \"r2\", \"prompt\": \"two cats\", \"seed\": 1234, \"num_images\": 2}",
                "{\"id\": \"r3\", \"prompt\": \"a bowl of fruit\", \"guidance_scale\": 3.0, \"truncation_rate\": 0.8}",
                row("r4", ""));
        Path out = tmp.resolve("out");
        JobConfig job = JobTestSupport.job(input, out, MODEL, "generator", JobConfig.DEFAULT_GENERATOR,
                "steps", "5", "batch_size", "2", "partitions", "2", "run_seed", "9", "device", "cpu");

        RunSummary summary = JobTestSupport.run(job);

        assertEquals(4, summary.imagesOk());
        assertEquals(1, summary.errorRows());
        SamplingOptions base = job.sampling();
        long r1 = Seeds.derivedBase(9, "r1");
        long r3 = Seeds.derivedBase(9, "r3");
        List<Expected> expected = List.of(
                new Expected("r1", "a red bus on a street", r1, 0, base),
                new Expected("r2", "two cats", 1234, 0, base),
                new Expected("r2", "two cats", 1235, 1, base),
                new Expected("r3", "a bowl of fruit", r3, 0, base.withGuidanceScale(3.0).withTruncationRate(0.8)));
        List<Row> manifest = JobTestSupport.manifest(out.toString());
        assertEquals(5, manifest.size(), "4 images and 1 bad row");
        Map<String, Row> ok = okImages(manifest);
        assertEquals(4, ok.size(), ok.keySet().toString());
        Row bad = manifest.stream().filter(r -> "r4".equals(r.getAs("id"))).findFirst().orElseThrow();
        assertEquals("error", bad.getAs("status"));
        assertEquals("prompt is empty", bad.getAs("error"));

        Set<Path> stored;
        try (Stream<Path> files = Files.walk(out.resolve("images"))) {
            // Hadoop's local file system writes a .<name>.crc checksum beside each file
            stored = files.filter(f -> f.getFileName().toString().endsWith(".png")).collect(Collectors.toSet());
        }
        assertEquals(4, stored.size(), "one PNG per ok image and nothing else: " + stored);
        try (VqDiffusionPipeline pipeline = VqDiffusionPipeline.load(MODEL, PipelineOptions.cpu())) {
            for (Expected e : expected) {
                Row r = ok.get(e.id() + "#" + e.index());
                assertNotNull(r, "no ok row for " + e);
                assertEquals(e.prompt(), r.getAs("prompt"));
                assertEquals(e.seed(), (long) r.getAs("seed"));
                assertEquals(e.sampling().steps(), (int) r.getAs("steps"));
                assertEquals(e.sampling().guidanceScale(), (double) r.getAs("guidance_scale"));
                assertEquals(e.sampling().truncationRate(), (double) r.getAs("truncation_rate"));
                assertEquals("per-image", r.getAs("noise"));
                assertEquals(pipeline.identity().fingerprint(), r.getAs("model_fingerprint"));
                assertEquals(16, (int) r.getAs("token_height"));
                assertEquals(16, (int) r.getAs("token_width"));
                assertEquals(32, (int) r.getAs("width"));
                assertEquals(32, (int) r.getAs("height"));

                // what `vqgen generate --prompt P --seed S` makes: the pipeline alone, per-image noise
                GeneratedImage alone = pipeline.generate(e.sampling(), List.of(ImageRequest.of(e.prompt(), e.seed())))
                        .get(0);
                int[] tokens = r.getList(r.fieldIndex("tokens")).stream().mapToInt(x -> (Integer) x).toArray();
                assertArrayEquals(alone.tokens(), tokens, "token grid of " + e);

                Path png = Path.of(URI.create(r.getAs("image_uri")));
                assertTrue(stored.contains(png), png + " listed in the manifest and stored");
                assertEquals(out.resolve("images/" + SafeIds.encode(e.id()) + "/" + e.index() + ".png"), png);
                BufferedImage image = ImageIO.read(png.toFile());
                assertNotNull(image, png + " decodes");
                assertEquals(32, image.getWidth());
                assertEquals(32, image.getHeight());
                assertArrayEquals(PngEncoder.encode(alone), Files.readAllBytes(png), "PNG of " + e);
            }
        }
    }
}
