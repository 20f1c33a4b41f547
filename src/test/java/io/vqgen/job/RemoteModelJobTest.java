package io.vqgen.job;

import io.vqgen.LocalS3;
import io.vqgen.pipeline.ImageRequest;
import io.vqgen.pipeline.ModelIdentity;
import io.vqgen.pipeline.PipelineOptions;
import io.vqgen.pipeline.VqDiffusionPipeline;
import io.vqgen.weights.RawTensor;
import io.vqgen.weights.SafetensorsWriter;
import io.vqgen.weights.StorageType;
import org.apache.hadoop.fs.FileSystem;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import static io.vqgen.job.JobTestSupport.okImages;
import static io.vqgen.job.JobTestSupport.row;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The model itself in object storage (the in-process S3 server, through S3A): the driver checks it reading only its
 * small files and weight headers, each executor JVM copies it once into its local cache, and the shipped cluster job
 * files run with model, input and output all on s3a (the tiny sample model standing in for ITHQ).
 */
class RemoteModelJobTest {
    private static final Path SAMPLE = Path.of("sample-data/model");
    private static LocalS3 s3;

    @TempDir
    Path tmp;

    @BeforeAll
    static void startServer() throws Exception {
        s3 = LocalS3.start("vqgen");
        s3.upload(SAMPLE, "models/tiny");
    }

    @AfterAll
    static void stopServer() throws Exception {
        s3.close();
    }

    private String prompts(String path, String... rows) throws IOException {
        Path local = JobTestSupport.prompts(tmp.resolve(path.replace('/', '_') + ".parquet"), rows);
        s3.fs().copyFromLocalFile(new org.apache.hadoop.fs.Path(local.toUri()), new org.apache.hadoop.fs.Path(s3.uri(path)));
        return s3.uri(path);
    }

    private Map<String, String> settings(String... keyValues) {
        Map<String, String> s = new LinkedHashMap<>(s3.jobSettings());
        for (int i = 0; i < keyValues.length; i += 2) {
            s.put(keyValues[i], keyValues[i + 1]);
        }
        return s;
    }

    private static long s3aBytesRead() {
        return FileSystem.getAllStatistics().stream().filter(st -> st.getScheme().equals("s3a"))
                .mapToLong(FileSystem.Statistics::getBytesRead).sum();
    }

    @Test
    void generatesWithAModelStoredInTheBucketCopiedOncePerJvm() throws Exception {
        String input = prompts("in/remote-model", row("r1", "a boat on a lake"), row("r2", "a red kite"));
        Path cache = tmp.resolve("cache");
        JobConfig job = JobConfig.of(settings("input", input, "output", s3.uri("out/remote-model"),
                "model", s3.uri("models/tiny"), "model_cache_dir", cache.toString(), "steps", "3", "partitions", "2",
                "batch_size", "1"), "test job");
        GeneratorCache.closeAll();
        RunSummary summary = JobTestSupport.run(job);
        assertEquals(2, summary.imagesOk(), summary.describe());

        List<Path> copies;
        try (Stream<Path> walk = Files.walk(cache)) {
            copies = walk.filter(p -> p.getFileName().toString().equals("model_index.json")).toList();
        }
        assertEquals(1, copies.size(), "one copy for both tasks: " + copies);
        String fingerprint = ModelIdentity.of(SAMPLE).fingerprint();
        try (VqDiffusionPipeline local = VqDiffusionPipeline.load(SAMPLE, PipelineOptions.cpu())) {
            for (Row r : okImages(JobTestSupport.manifest(s3.uri("out/remote-model"))).values()) {
                assertEquals(s3.uri("models/tiny"), r.getAs("model"), "the manifest names the model as the job did");
                assertEquals(fingerprint, r.getAs("model_fingerprint"), "the copy is the same model");
                int[] tokens = r.getList(r.fieldIndex("tokens")).stream().mapToInt(x -> (Integer) x).toArray();
                assertArrayEquals(local.generate(job.sampling(),
                        List.of(ImageRequest.of(r.getAs("prompt"), r.getAs("seed")))).get(0).tokens(), tokens);
            }
        } finally {
            GeneratorCache.closeAll();
        }
    }

    @Test
    void generateTakesARemoteModelToo() throws IOException {
        List<String> args = new ArrayList<>(List.of("generate", "--model", s3.uri("models/tiny"), "--model-cache",
                tmp.resolve("cli-cache").toString(), "--prompt", "a boat", "--steps", "2", "--out",
                tmp.resolve("cli-out").toString()));
        s3.hadoopSettings().forEach((k, v) -> args.addAll(List.of("--conf", k + "=" + v)));
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int status = io.vqgen.cli.Main.run(new PrintWriter(out), new PrintWriter(err), args.toArray(String[]::new));
        assertEquals(0, status, err.toString());
        assertTrue(Files.isRegularFile(tmp.resolve("cli-out/0.png")));
        try (Stream<Path> walk = Files.walk(tmp.resolve("cli-cache"))) {
            assertEquals(1, walk.filter(p -> p.getFileName().toString().equals("model_index.json")).count());
        }
    }

    /** A 64 MiB weight file beside the model: the check reads its header, not its data. */
    @Test
    void theDriverReadsOnlySmallFilesAndWeightHeaders() throws Exception {
        Path big = Files.createDirectories(tmp.resolve("big/extra")).resolve("big.safetensors");
        long elements = 16L << 20;
        SafetensorsWriter.write(big, List.of(new RawTensor("x", StorageType.F32, new long[] {elements},
                ByteBuffer.allocate((int) (elements * 4)), "test")), Map.of());
        s3.upload(SAMPLE, "models/with-big");
        s3.upload(big.getParent(), "models/with-big/extra");
        long before = s3aBytesRead();
        ModelCheck check = ModelCheck.of(s3.uri("models/with-big"), s3.conf());
        long read = s3aBytesRead() - before;
        assertEquals(100, check.limits().maxSteps());
        assertTrue(read < (12L << 20), "read " + read + " bytes to check a model of " + (64 + 4) + " MiB");
        assertEquals(s3.uri("models/with-big"), check.model());
    }

    @Test
    void aMissingOrBrokenRemoteModelStopsTheJobNamingIt() throws Exception {
        JobException missing = assertThrows(JobException.class,
                () -> ModelCheck.of(s3.uri("models/nothing-here"), s3.conf()));
        assertEquals("model: " + s3.uri("models/nothing-here") + ": model folder not found (expected a diffusers "
                + "pipeline folder with model_index.json)", missing.getMessage());

        s3.upload(SAMPLE, "models/truncated");
        Path cut = tmp.resolve("cut.safetensors");
        byte[] weights = Files.readAllBytes(SAMPLE.resolve("vqvae/diffusion_pytorch_model.safetensors"));
        Files.write(cut, java.util.Arrays.copyOf(weights, 1000));
        s3.fs().copyFromLocalFile(new org.apache.hadoop.fs.Path(cut.toUri()),
                new org.apache.hadoop.fs.Path(s3.uri("models/truncated/vqvae/diffusion_pytorch_model.safetensors")));
        JobException truncated = assertThrows(JobException.class,
                () -> ModelCheck.of(s3.uri("models/truncated"), s3.conf()));
        assertTrue(truncated.getMessage().contains("diffusion_pytorch_model.safetensors: truncated or corrupt"),
                truncated.getMessage());
    }

    /** The shipped cluster job files, as written, with the bucket names and the model pointed at this server. */
    @Test
    void theShippedClusterJobFilesRunAgainstS3() throws Exception {
        JobTestSupport.spark(); // the job runs in the tests' session, which then holds its S3A settings
        String input = prompts("in/shipped", row("j1", "a lighthouse"), row("j2", "a bowl of fruit"),
                "{\"id\": \"j3\", \"prompt\": \"two dogs\", \"num_images\": 2}");
        for (String file : List.of("jobs/ithq-dataset.properties", "jobs/mscoco-eval.properties")) {
            String name = Path.of(file).getFileName().toString().replace(".properties", "");
            List<String> overrides = new ArrayList<>();
            settings("input", input, "output", s3.uri("out/" + name), "model", s3.uri("models/tiny"),
                    "model_cache_dir", tmp.resolve("cache-" + name).toString(), "steps", "2", "device", "auto",
                    "dtype", "float32", "spark.ui.showConsoleProgress", "false")
                    .forEach((k, v) -> overrides.add(k + "=" + v));
            StringWriter out = new StringWriter();
            StringWriter err = new StringWriter();
            int status = GenerateJob.run(Path.of(file), overrides, new PrintWriter(out, true), new PrintWriter(err, true));
            assertEquals(0, status, file + ": " + err);
            assertEquals(4, okImages(JobTestSupport.manifest(s3.uri("out/" + name))).size(), file);
        }
        GeneratorCache.closeAll();
    }
}
