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
}
