package io.vqgen.job;

import io.vqgen.LocalS3;
import org.apache.hadoop.fs.FSDataInputStream;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static io.vqgen.job.JobTestSupport.okImages;
import static io.vqgen.job.JobTestSupport.row;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The job against object storage: an S3-compatible server (s3proxy, in-memory blob store) on 127.0.0.1, read
 * and written through Hadoop's S3A connector, configured only by the job's spark.hadoop.* keys.
 */
class S3aJobTest {
    private static final String SECRET = LocalS3.SECRET;
    private static LocalS3 s3;

    @TempDir
    java.nio.file.Path tmp;

    @BeforeAll
    static void startServer() throws Exception {
        s3 = LocalS3.start("vqgen");
    }

    @AfterAll
    static void stopServer() throws Exception {
        s3.close();
    }

    private static String[] settings(String... more) {
        List<String> all = new ArrayList<>();
        s3.jobSettings().forEach((k, v) -> {
            all.add(k);
            all.add(v);
        });
        all.addAll(List.of(more));
        return all.toArray(String[]::new);
    }

    @Test
    void readsPromptsFromAndWritesImagesManifestAndSummaryToS3a() throws Exception {
        FileSystem fs = s3.fs();
        java.nio.file.Path local = JobTestSupport.prompts(tmp.resolve("prompts.parquet"),
                row("s1", "a boat on a lake"), row("s/2", "a red kite"),
                "{\"id\": \"s3\", \"prompt\": \"three views\", \"num_images\": 3}",
                row("s4", ""));
        fs.copyFromLocalFile(new Path(local.toUri()), new Path("s3a://vqgen/in/prompts.parquet"));
        java.nio.file.Path model = JobTestSupport.model(tmp.resolve("model"));
        FakeGenerator.reset();

        JobConfig job = JobTestSupport.job("s3a://vqgen/in/prompts.parquet", "s3a://vqgen/out", model,
                settings("partitions", "2", "batch_size", "2"));
        RunSummary summary = JobTestSupport.run(job);

        assertEquals(5, summary.imagesOk());
        assertEquals(1, summary.errorRows());
        List<Row> manifest = JobTestSupport.manifest("s3a://vqgen/out");
        Map<String, Row> ok = okImages(manifest);
        assertEquals(5, ok.size());
        for (Row r : ok.values()) {
            String uri = r.getAs("image_uri");
            assertEquals("s3a://vqgen/out/images/" + SafeIds.encode(r.getAs("id")) + "/" + r.getAs("image_index") + ".png", uri);
            int[] tokens = r.getList(r.fieldIndex("tokens")).stream().mapToInt(x -> (Integer) x).toArray();
            assertArrayEquals(FakeGenerator.tokens(r.getAs("prompt"), r.getAs("seed"), job.sampling()), tokens);
            BufferedImage img;
            try (FSDataInputStream in = fs.open(new Path(uri))) {
                img = ImageIO.read(in);
            }
            assertNotNull(img, uri + " is a PNG");
            assertEquals(FakeGenerator.rgbOf(tokens[0]), img.getRGB(0, 0) & 0xffffff);
        }
        Row bad = manifest.stream().filter(r -> "s4".equals(r.getAs("id"))).findFirst().orElseThrow();
        assertEquals("prompt is empty", bad.getAs("error"));

        String json;
        try (FSDataInputStream in = fs.open(new Path(summary.summary()))) {
            json = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
        assertEquals("s3a://vqgen/out/runs/" + job.runId() + ".json", summary.summary());
        assertFalse(json.contains(SECRET), "credentials never written");
        assertEquals("****", RunSummary.fromJson(json).settings().get("spark.hadoop.fs.s3a.secret.key"));

        // Rerun: everything ok is skipped, nothing duplicated; the bad row is reported again under the new run.
        FakeGenerator.reset();
        RunSummary again = JobTestSupport.run(JobTestSupport.job("s3a://vqgen/in/prompts.parquet", "s3a://vqgen/out",
                model, settings("partitions", "2", "batch_size", "2")));
        assertEquals(3, again.rowsAlreadyDone());
        assertEquals(0, again.imagesOk());
        assertTrue(FakeGenerator.CALLS.isEmpty(), "nothing generated again");
        assertEquals(5, okImages(JobTestSupport.manifest("s3a://vqgen/out")).size());
    }
}
