package io.vqgen.job;

import org.apache.hadoop.conf.Configuration;
import org.apache.parquet.example.data.Group;
import org.apache.parquet.example.data.simple.SimpleGroupFactory;
import org.apache.parquet.hadoop.ParquetWriter;
import org.apache.parquet.hadoop.example.ExampleParquetWriter;
import org.apache.parquet.io.LocalOutputFile;
import org.apache.parquet.io.api.Binary;
import org.apache.parquet.schema.LogicalTypeAnnotation;
import org.apache.parquet.schema.MessageType;
import org.apache.parquet.schema.PrimitiveType.PrimitiveTypeName;
import org.apache.parquet.schema.Types;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static io.vqgen.job.JobTestSupport.job;
import static io.vqgen.job.JobTestSupport.manifest;
import static io.vqgen.job.JobTestSupport.okImages;
import static io.vqgen.job.JobTestSupport.run;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Inputs a hostile or careless user gives the job, each of which once lost or duplicated an image. */
class HostileInputJobTest {
    @TempDir
    Path tmp;
    Path model;

    @BeforeEach
    void setUp() {
        model = JobTestSupport.model(tmp.resolve("model"));
        FakeGenerator.reset();
    }

    /** Ids as raw Parquet bytes: {@code ff} and {@code fe} both decode to U+FFFD and once shared one image. */
    @Test
    void idsThatAreNotUtf8AreErrorRowsNamingTheirBytes() throws IOException {
        Path input = tmp.resolve("bytes.parquet");
        MessageType schema = Types.buildMessage()
                .optional(PrimitiveTypeName.BINARY).as(LogicalTypeAnnotation.stringType()).named("id")
                .optional(PrimitiveTypeName.BINARY).as(LogicalTypeAnnotation.stringType()).named("prompt")
                .named("prompts");
        SimpleGroupFactory groups = new SimpleGroupFactory(schema);
        try (ParquetWriter<Group> w = ExampleParquetWriter.builder(new LocalOutputFile(input))
                .withConf(new Configuration(false)).withType(schema).build()) {
            for (byte[] id : List.of(new byte[] {(byte) 0xff}, new byte[] {(byte) 0xfe}, "ok".getBytes(StandardCharsets.UTF_8))) {
                w.write(groups.newGroup().append("id", Binary.fromConstantByteArray(id)).append("prompt", "a cat"));
            }
        }
        Path out = tmp.resolve("out");
        RunSummary summary = run(job(input, out, model));
        assertEquals(1, summary.imagesOk());
        assertEquals(2, summary.errorRows());
        Map<String, Row> ok = okImages(manifest(out.toString()));
        assertEquals(List.of("ok#0"), List.copyOf(ok.keySet()));
        List<String> errors = manifest(out.toString()).stream().filter(r -> "error".equals(r.getAs("status")))
                .map(r -> (String) r.getAs("error")).sorted().toList();
        assertEquals(2, errors.size());
        assertTrue(errors.get(0).startsWith("id is not valid UTF-8 (bytes fe, file:" + input + " row 1)"), errors.get(0));
        assertTrue(errors.get(1).startsWith("id is not valid UTF-8 (bytes ff, file:" + input + " row 0)"), errors.get(1));
    }

    @Test
    void aBogusSparkMasterIsABadJobValue() throws IOException {
        Path job = java.nio.file.Files.writeString(tmp.resolve("job.properties"), "input=" + tmp.resolve("in")
                + "\noutput=" + tmp.resolve("out") + "\nmodel=" + model + "\nspark.master=bogus://x\n");
        java.io.StringWriter err = new java.io.StringWriter();
        int status = GenerateJob.run(job, List.of(), new java.io.PrintWriter(new java.io.StringWriter()),
                new java.io.PrintWriter(err, true));
        assertEquals(2, status, err.toString());
        assertEquals("vqgen run: spark.master: 'bogus://x' is not a Spark master URL (expected local, local[*], "
                + "local[N], spark://HOST:PORT, yarn or k8s://https://HOST:PORT)", err.toString().strip());
    }

    /** A file in the manifest that is not Parquet (copied in by hand, cut by a tool) once stopped resume with Spark's footer error. */
    @Test
    void aGarbageManifestFileIsNamedWithWhatToDo() throws IOException {
        Path input = JobTestSupport.prompts(tmp.resolve("in.parquet"), JobTestSupport.row("a", "a red bus"),
                JobTestSupport.row("b", "a cat"));
        Path out = tmp.resolve("out");
        assertEquals(2, run(job(input, out, model)).imagesOk());
        Path garbage = java.nio.file.Files.createDirectories(out.resolve("manifest/run_id=x")).resolve("part-0000.parquet");
        byte[] bytes = new byte[4096];
        new java.util.Random(16).nextBytes(bytes);
        java.nio.file.Files.write(garbage, bytes);

        JobException e = org.junit.jupiter.api.Assertions.assertThrows(JobException.class,
                () -> run(job(input, out, model)));
        String message = e.getMessage();
        assertTrue(message.startsWith("output file:" + out), message);
        assertTrue(message.contains(": manifest file file:" + garbage + " is not a readable Parquet file ("), message);
        assertTrue(message.endsWith("); move it out of the output's manifest folder and rerun (rows only it held are "
                + "made again)"), message);
        assertTrue(!message.contains("\n"), "one line");
        assertTrue(java.nio.file.Files.notExists(out.resolve("runs/_lease.json")), "the lease was given back");

        java.nio.file.Files.move(garbage, tmp.resolve("part-0000.parquet"));
        assertEquals(2, run(job(input, out, model)).rowsAlreadyDone(), "with the file moved away the run resumes");
    }

    /** Resume trusts the manifest unless verify_outputs is set: then a deleted or cut PNG is made again. */
    @Test
    void verifyOutputsRemakesImagesThatAreMissingOrCut() throws IOException {
        Path input = JobTestSupport.prompts(tmp.resolve("in.parquet"), JobTestSupport.row("a", "a red bus"),
                JobTestSupport.row("b", "a cat"), JobTestSupport.row("c", "a dog"));
        Path out = tmp.resolve("out");
        assertEquals(3, run(job(input, out, model)).imagesOk());
        java.nio.file.Files.delete(out.resolve("images/a/0.png"));
        byte[] png = java.nio.file.Files.readAllBytes(out.resolve("images/b/0.png"));
        java.nio.file.Files.write(out.resolve("images/b/0.png"), java.util.Arrays.copyOf(png, png.length / 2));

        FakeGenerator.reset();
        assertEquals(0, run(job(input, out, model)).imagesOk(), "by default resume trusts the manifest");
        assertTrue(FakeGenerator.CALLS.isEmpty());
        RunSummary verified = run(job(input, out, model, "verify_outputs", "true"));
        assertEquals(2, verified.imagesOk(), "a and b made again, c left alone");
        assertEquals(png.length, java.nio.file.Files.size(out.resolve("images/b/0.png")));
        assertTrue(java.nio.file.Files.isRegularFile(out.resolve("images/a/0.png")));
    }

    /** MSCOCO prompt tables carry the real image's id: the manifest keeps it, to pair generated with real images. */
    @Test
    void theInputsImageIdReachesTheManifest() throws IOException {
        Path jsonl = java.nio.file.Files.writeString(tmp.resolve("coco.jsonl"),
                "{\"id\": \"42\", \"prompt\": \"a kite\"}\n");
        Path plain = tmp.resolve("plain.parquet");
        PromptsFile.convert(jsonl, plain);
        org.apache.spark.sql.SparkSession spark = JobTestSupport.spark();
        Path withImageId = tmp.resolve("coco");
        spark.read().parquet(plain.toString()).withColumn("image_id", org.apache.spark.sql.functions.lit(391895L))
                .write().parquet(withImageId.toString());
        Path out = tmp.resolve("out");
        run(job(withImageId, out, model));
        Row r = okImages(manifest(out.toString())).get("42#0");
        assertEquals("391895", r.getAs("image_id"));
    }
}
