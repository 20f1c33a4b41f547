package io.vqgen.job;

import io.vqgen.FaultyS3Proxy;
import io.vqgen.LocalS3;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FSDataInputStream;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.LocatedFileStatus;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.fs.RemoteIterator;
import org.apache.hadoop.fs.s3a.impl.AWSClientConfig;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.stream.IntStream;
import javax.imageio.ImageIO;

import static io.vqgen.FaultyS3Proxy.internalError;
import static io.vqgen.FaultyS3Proxy.slowDown;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The job against an S3 server that misbehaves: a fault-injecting proxy ({@link FaultyS3Proxy}) between S3A and
 * the test's S3 server, input and output on s3a:// through it. Under each fault the run either completes (S3A
 * retries) or fails with exit 1, leaving a state that a rerun completes; either way no image or manifest row is lost
 * or duplicated ({@link OutputCheck} reads the manifest back and every image it names).
 * <p>
 * S3A's retries are set here, short, so that the tests stay fast: 3 retries of its own 50 ms apart (4 for
 * throttling), 2 attempts per request in the AWS SDK, a 2 s socket timeout (below Hadoop's 15 s floor, lowered for
 * the test JVM with {@link AWSClientConfig#setMinimumOperationDuration}).
 */
class S3aFaultsTest {
    private static final int ROWS = 8;
    private static final Set<String> EXPECTED = OutputCheck.images("s", ROWS);
    private static final Map<String, Integer> INJECTED = new TreeMap<>();

    private static LocalS3 s3;
    private static FaultyS3Proxy proxy;

    @TempDir
    java.nio.file.Path tmp;
    private java.nio.file.Path model;

    @BeforeAll
    static void start() throws Exception {
        AWSClientConfig.setMinimumOperationDuration(Duration.ofMillis(100));
        s3 = LocalS3.start("vqgen");
        proxy = FaultyS3Proxy.start(s3.port());
    }

    @AfterAll
    static void stop() throws Exception {
        proxy.close();
        s3.close();
        AWSClientConfig.resetMinimumOperationDuration();
        System.out.println("S3aFaultsTest: faults injected " + INJECTED);
    }

    @BeforeEach
    void setUp() {
        FakeGenerator.reset();
        proxy.clearRules();
        model = JobTestSupport.model(tmp.resolve("model"));
    }

    /** The server's S3A settings with the proxy as endpoint, and short retries (see the class comment). */
    private static Map<String, String> hadoopSettings() {
        Map<String, String> s = new LinkedHashMap<>(s3.hadoopSettings(proxy.port()));
        s.put("fs.s3a.retry.limit", "3");
        s.put("fs.s3a.retry.interval", "50ms");
        s.put("fs.s3a.retry.throttle.limit", "4");
        s.put("fs.s3a.retry.throttle.interval", "50ms");
        s.put("fs.s3a.attempts.maximum", "2");
        s.put("fs.s3a.connection.establish.timeout", "2s");
        s.put("fs.s3a.connection.timeout", "2s");
        s.put("fs.s3a.multipart.size", "5M");
        s.put("fs.s3a.fast.upload.buffer", "array");
        return s;
    }

    private static Configuration conf() {
        Configuration conf = new Configuration();
        s3.hadoopSettings().forEach(conf::set); // read back directly, without the proxy
        return conf;
    }

    /** A prompts table of ROWS rows at s3a://vqgen/{name}/in/ (uploaded directly, without the proxy). */
    private String input(String name) throws Exception {
        java.nio.file.Path local = JobTestSupport.prompts(tmp.resolve(name + "/prompts.parquet"),
                IntStream.range(0, ROWS).mapToObj(i -> JobTestSupport.row("s" + i, "caption " + i)).toArray(String[]::new));
        s3.fs().copyFromLocalFile(new Path(local.toUri()), new Path(s3.uri(name + "/in/prompts.parquet")));
        return s3.uri(name + "/in/prompts.parquet");
    }

    private record Result(int code, String err) {
    }

    /** The job as `vqgen run` runs it (exit status, stderr), in this JVM's Spark session. */
    private Result run(String input, String output, String... keyValues) throws Exception {
        List<String> lines = new ArrayList<>(List.of("input=" + input, "output=" + output, "model=" + model,
                "generator=" + FakeGeneratorFactory.class.getName(), "steps=10", "batch_size=2", "partitions=2"));
        hadoopSettings().forEach((k, v) -> lines.add("spark.hadoop." + k + "=" + v));
        for (int i = 0; i < keyValues.length; i += 2) {
            lines.add(keyValues[i] + "=" + keyValues[i + 1]);
        }
        java.nio.file.Path jobFile = Files.write(Files.createTempFile(tmp, "job", ".properties"), lines);
        StringWriter err = new StringWriter();
        JobTestSupport.spark();
        int code = GenerateJob.run(jobFile, List.of(), new PrintWriter(new StringWriter(), true), new PrintWriter(err, true));
        return new Result(code, err.toString());
    }

    @Test
    void transientFaultsAreRetriedAndTheRunCompletesWithEveryImageOnce() throws Exception {
        String input = input("t");
        String output = s3.uri("t/out");
        List<FaultyS3Proxy.Rule> rules = List.of(
                proxy.inject(new FaultyS3Proxy.ShortBody(200), "GET", "^/vqgen/t/in/", 2),
                proxy.inject(slowDown(), "GET", "^/vqgen\\?list-type=2.*prefix=t%2Fout", 2),
                proxy.inject(slowDown(), "HEAD", "^/vqgen/t/out/", 2),
                proxy.inject(slowDown(), "PUT", "^/vqgen/t/out/images/", 3),
                proxy.inject(new FaultyS3Proxy.ResetUpload(100), "PUT", "^/vqgen/t/out/images/", 2),
                proxy.inject(new FaultyS3Proxy.SlowResponse(3000), "PUT", "^/vqgen/t/out/images/", 1),
                proxy.inject(new FaultyS3Proxy.SlowResponse(500), "PUT", "^/vqgen/t/out/images/", 2),
                // the SDK writes '=' in a key as %3D
                proxy.inject(internalError(), "PUT", "^/vqgen/t/out/manifest/run_id%3Dfirst/_temporary/.*/part-", 1),
                proxy.inject(slowDown(), "PUT", "^/vqgen/t/out/manifest/run_id%3Dfirst/part-", 1),
                proxy.inject(internalError(), "PUT", "^/vqgen/t/out/runs/first\\.json", 1));

        Result first = run(input, output, "run_id", "first");

        Map<String, Integer> injected = count(rules);
        assertEquals(0, first.code(), "S3A retried every fault: " + first.err() + "\ninjected " + injected);
        OutputCheck.verify(output, conf(), EXPECTED, true);
        for (FaultyS3Proxy.Rule r : rules) {
            assertEquals(0, r.remaining().get(), () -> "every rule was used up: " + r + "\n" + injected + "\n"
                    + proxy.requests().stream().filter(q -> q.target().contains("manifest")).toList());
        }
        assertTrue(proxy.requests().stream().filter(r -> r.method().equals("PUT") && r.target().contains("/images/"))
                        .allMatch(r -> r.framing().containsKey("content-length") && !r.framing().containsKey("transfer-encoding")),
                "image PUTs have a Content-Length (aws-chunked inside it), as FaultyS3Proxy's byte counts assume");
    }

    @Test
    void aMultipartCompleteThatKeepsFailingFailsTheRunAndARerunCompletesIt() throws Exception {
        String input = input("m");
        String output = s3.uri("m/out");
        // inline images of ~770 KiB each: every task's manifest file is over 5 MiB, a multipart upload
        String[] settings = {"generator", NoiseImageGeneratorFactory.class.getName(), "inline_images", "true",
                "partitions", "1", "batch_size", "4"};
        FaultyS3Proxy.Rule failing = proxy.inject(internalError(), "POST", "^/vqgen/m/out/manifest/.*\\?uploadId=",
                1000);

        Result first = run(input, output, concat(settings, "run_id", "first"));

        assertEquals(1, first.code(), first.err());
        assertTrue(first.err().startsWith("vqgen run: run first failed: "), first.err());
        assertTrue(first.err().contains("Status Code: 500"), first.err());
        OutputCheck.Found left = OutputCheck.verify(output, conf(), EXPECTED, false);
        assertEquals(List.of(), left.rows(), "no manifest row without its committed manifest file");
        int completes = failing.injected().get();
        assertTrue(completes >= 2, "S3A tried the complete again, and Spark the task: " + completes);

        proxy.clearRules();
        FaultyS3Proxy.Rule once = proxy.inject(internalError(), "POST", "^/vqgen/m/out/manifest/.*\\?uploadId=", 1);
        Result again = run(input, output, concat(settings, "run_id", "again"));

        assertEquals(0, again.code(), again.err());
        assertEquals(1, once.injected().get(), "the rerun's complete failed once, and S3A retried it");
        OutputCheck.Found done = OutputCheck.verify(output, conf(), EXPECTED, true);
        assertEquals(Map.of("again", ROWS), OutputCheck.rowsByRun(done.rows()));
        count(List.of(failing, once));
    }

    @Test
    void webdatasetShardsOnS3SurviveFaultsWithEveryImageOnceInACommittedShard() throws Exception {
        String input = input("w");
        String output = s3.uri("w/out");
        List<FaultyS3Proxy.Rule> rules = List.of(
                proxy.inject(slowDown(), "PUT", "^/vqgen/w/out/shards/_staging/", 2),
                proxy.inject(new FaultyS3Proxy.ResetUpload(100), "PUT", "^/vqgen/w/out/shards/_staging/", 1),
                // promoting a shard is a copy on S3 (S3A's rename): the copy throttled, then the delete
                proxy.inject(slowDown(), "PUT", "^/vqgen/w/out/shards/[^_]", 2),
                proxy.inject(internalError(), "DELETE", "^/vqgen/w/out/shards/_staging/", 1));

        Result first = run(input, output, "run_id", "first", "output_format", "webdataset", "shard_images", "3");

        Map<String, Integer> injected = count(rules);
        assertEquals(0, first.code(), "S3A retried every fault: " + first.err() + "\ninjected " + injected);
        for (FaultyS3Proxy.Rule r : rules) {
            assertEquals(0, r.remaining().get(), () -> "every rule was used up: " + r + "\n" + injected);
        }
        List<Row> rows = JobTestSupport.manifest(output);
        Map<String, Row> ok = JobTestSupport.okImages(rows); // fails on a duplicate
        assertEquals(EXPECTED, ok.keySet());
        FileSystem fs = new Path(output).getFileSystem(conf());
        Map<String, Set<String>> membersByShard = new TreeMap<>();
        for (Row r : ok.values()) {
            String shard = r.getAs("image_uri");
            assertTrue(shard.startsWith(output + "/shards/") && !shard.contains("_staging"), shard);
            byte[] png = new byte[(int) r.<Integer>getAs("image_bytes")];
            try (FSDataInputStream in = fs.open(new Path(shard))) {
                in.readFully(r.<Long>getAs("shard_offset"), png);
            }
            BufferedImage image = ImageIO.read(new ByteArrayInputStream(png));
            assertNotNull(image, "the bytes at the row's offset are its PNG: " + r);
            assertEquals((int) r.<Integer>getAs("width"), image.getWidth());
            membersByShard.computeIfAbsent(shard, k -> new TreeSet<>()).add(r.getAs("shard_member"));
        }
        Set<String> shards = new TreeSet<>();
        RemoteIterator<LocatedFileStatus> files = fs.listFiles(new Path(output, "shards"), true);
        while (files.hasNext()) {
            shards.add(files.next().getPath().toString());
        }
        assertEquals(membersByShard.keySet(), shards, "every shard is a committed one, no staged copy left");
        for (String shard : shards) {
            List<String> pngs = new ArrayList<>();
            try (TarArchiveInputStream tar = new TarArchiveInputStream(fs.open(new Path(shard)))) {
                for (TarArchiveEntry e = tar.getNextEntry(); e != null; e = tar.getNextEntry()) {
                    if (e.getName().endsWith(".png")) {
                        pngs.add(e.getName());
                    }
                }
            }
            assertEquals(membersByShard.get(shard), new TreeSet<>(pngs), "each image once, whole: " + shard);
            assertEquals(pngs.size(), new TreeSet<>(pngs).size(), shard);
        }
    }

    /** Faults injected by these rules, by rule; added to the class's counts by kind. */
    private static Map<String, Integer> count(List<FaultyS3Proxy.Rule> rules) {
        Map<String, Integer> counts = new TreeMap<>();
        for (FaultyS3Proxy.Rule r : rules) {
            counts.merge(r.method() + " " + r.target().pattern() + ": " + r.fault().kind(), r.injected().get(),
                    Integer::sum);
            synchronized (INJECTED) {
                INJECTED.merge(r.fault().kind(), r.injected().get(), Integer::sum);
            }
        }
        return counts;
    }

    private static String[] concat(String[] a, String... b) {
        String[] all = new String[a.length + b.length];
        System.arraycopy(a, 0, all, 0, a.length);
        System.arraycopy(b, 0, all, a.length, b.length);
        return all;
    }
}
