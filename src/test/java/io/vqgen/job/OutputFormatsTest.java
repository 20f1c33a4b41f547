package io.vqgen.job;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.vqgen.ExternalTools;
import io.vqgen.pipeline.GenerationSetting;
import org.apache.hadoop.conf.Configuration;
import org.apache.parquet.example.data.Group;
import org.apache.parquet.hadoop.ParquetFileReader;
import org.apache.parquet.hadoop.ParquetReader;
import org.apache.parquet.hadoop.example.GroupReadSupport;
import org.apache.parquet.hadoop.util.HadoopInputFile;
import org.apache.parquet.schema.GroupType;
import org.apache.parquet.schema.LogicalTypeAnnotation;
import org.apache.parquet.schema.MessageType;
import org.apache.parquet.schema.PrimitiveType;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.IntStream;
import java.util.stream.Stream;

import static io.vqgen.job.JobTestSupport.job;
import static io.vqgen.job.JobTestSupport.manifest;
import static io.vqgen.job.JobTestSupport.okImages;
import static io.vqgen.job.JobTestSupport.prompts;
import static io.vqgen.job.JobTestSupport.row;
import static io.vqgen.job.JobTestSupport.run;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * What the job writes, read back by tools that share no code with it: PNG text chunks by PIL, the manifest's
 * inline image column by parquet-mr's own example reader (and its footer as Hugging Face datasets reads it), and
 * webdataset shards by GNU tar and by Python's tarfile (what the webdataset library uses), including after a task
 * that died and was retried, after a run that died, and after a driver that died between commit and shard move.
 */
class OutputFormatsTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path tmp;
    Path model;

    @BeforeEach
    void setUp() {
        model = JobTestSupport.model(tmp.resolve("model"));
        FakeGenerator.reset();
    }

    private Path captions(int n) {
        List<String> lines = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            lines.add(row("c" + i, "caption number " + i));
        }
        lines.add("{\"id\": \"uni.code\", \"prompt\": \"un café ☕ à Zürich\", \"num_images\": 2, \"steps\": 7}");
        lines.add(row("bad", ""));
        return prompts(tmp.resolve("in/prompts.parquet"), lines.toArray(String[]::new));
    }

    @Test
    void pngsCarryTheirProvenanceInTextChunksThatPilReads() throws Exception {
        Path out = tmp.resolve("out");
        JobConfig job = job(captions(2), out, model, "partitions", "1");
        run(job);
        String script = """
                import json, sys
                from PIL import Image
                result = {}
                for path in sys.argv[1:]:
                    with Image.open(path) as im:
                        im.load()
                        result[path] = {"text": dict(im.text), "size": list(im.size)}
                print(json.dumps(result))
                """;
        Map<String, Row> ok = okImages(manifest(out.toString()));
        List<String> files = ok.values().stream().map(r -> Path.of(URI.create(r.getAs("image_uri"))).toString()).toList();
        JsonNode read = JSON.readTree(ExternalTools.python(script, files.toArray(String[]::new)));
        assertEquals(4, read.size());
        for (Row r : ok.values()) {
            JsonNode png = read.get(Path.of(URI.create(r.getAs("image_uri"))).toString());
            JsonNode text = png.get("text");
            assertEquals("vqgen", text.get("Software").asText());
            assertEquals(r.getAs("id"), text.get("id").asText());
            assertEquals(String.valueOf((int) r.getAs("image_index")), text.get("image_index").asText());
            assertEquals(r.getAs("prompt"), text.get("prompt").asText(), "UTF-8 prompts survive (iTXt)");
            assertEquals(String.valueOf((long) r.getAs("seed")), text.get("seed").asText());
            assertEquals(r.getAs("model"), text.get("model").asText());
            assertEquals(r.getAs("model_fingerprint"), text.get("model_fingerprint").asText());
            assertEquals(r.getAs("sampler"), text.get("sampler").asText());
            for (GenerationSetting s : GenerationSetting.sampling()) {
                assertEquals(String.valueOf((Object) r.getAs(s.key())), text.get(s.key()).asText(), s.key());
            }
            assertEquals(List.of(16, 12), List.of(png.get("size").get(0).asInt(), png.get("size").get(1).asInt()));
        }
    }

    @Test
    void theInlineImageColumnIsAHuggingFaceImageStructThatParquetMrReads() throws Exception {
        Path out = tmp.resolve("out");
        JobConfig job = job(captions(3), out, model, "partitions", "2", "inline_images", "true");
        run(job);
        Map<String, Row> ok = okImages(manifest(out.toString()));
        Map<String, String> uriByPath = new HashMap<>();
        ok.values().forEach(r -> uriByPath.put(r.getAs("file_name"), r.getAs("image_uri")));

        List<Path> files;
        try (Stream<Path> walk = Files.walk(out.resolve("manifest/run_id=" + job.runId()))) {
            files = walk.filter(p -> p.toString().endsWith(".parquet")).toList();
        }
        int images = 0;
        for (Path file : files) {
            Configuration conf = new Configuration();
            org.apache.hadoop.fs.Path path = new org.apache.hadoop.fs.Path(file.toUri());
            try (ParquetFileReader reader = ParquetFileReader.open(HadoopInputFile.fromPath(path, conf))) {
                // datasets' Features.from_arrow_schema: features come from the footer's "huggingface" entry, and are
                // used for a column when its Arrow type equals the feature's (Image.pa_type, features/image.py:
                // struct<bytes: binary, path: string>, in that order)
                String hf = reader.getFooter().getFileMetaData().getKeyValueMetaData().get("huggingface");
                assertNotNull(hf, "footer entry 'huggingface' in " + file);
                assertEquals("Image", JSON.readTree(hf).at("/info/features/image/_type").asText());
                MessageType schema = reader.getFooter().getFileMetaData().getSchema();
                GroupType image = schema.getType("image").asGroupType();
                assertEquals(List.of("bytes", "path"), image.getFields().stream().map(f -> f.getName()).toList());
                PrimitiveType bytes = image.getType("bytes").asPrimitiveType();
                PrimitiveType pathType = image.getType("path").asPrimitiveType();
                assertEquals(PrimitiveType.PrimitiveTypeName.BINARY, bytes.getPrimitiveTypeName());
                assertEquals(null, bytes.getLogicalTypeAnnotation(), "plain binary (Arrow binary)");
                assertEquals(PrimitiveType.PrimitiveTypeName.BINARY, pathType.getPrimitiveTypeName());
                assertEquals(LogicalTypeAnnotation.stringType(), pathType.getLogicalTypeAnnotation(), "Arrow string");
            }
            try (ParquetReader<Group> rows = ParquetReader.builder(new GroupReadSupport(), path).withConf(conf).build()) {
                for (Group g = rows.read(); g != null; g = rows.read()) {
                    if (!"ok".equals(g.getString("status", 0))) {
                        assertEquals(0, g.getFieldRepetitionCount("image"), "no image for an error row");
                        continue;
                    }
                    Group image = g.getGroup("image", 0);
                    String name = image.getString("path", 0);
                    assertEquals(g.getString("file_name", 0), name);
                    byte[] png = image.getBinary("bytes", 0).getBytes();
                    assertArrayEquals(Files.readAllBytes(Path.of(URI.create(uriByPath.get(name)))), png, name);
                    images++;
                }
            }
        }
        assertEquals(ok.size(), images);
        assertEquals(5, images);
    }

    /** One shard as GNU tar and Python's tarfile see it. */
    private record Shard(Path file, List<String> members) {
    }

    /**
     * Every shard under {@code out/shards}, listed by GNU tar; nothing else there (no staging folder, no partial or
     * duplicate shard); each ok manifest row's image found in its shard by name and by offset; every sample complete.
     */
    private static Map<String, Shard> checkShards(Path out, Map<String, Row> ok) throws Exception {
        Path shardsDir = out.resolve("shards");
        List<Path> all;
        try (Stream<Path> list = Files.list(shardsDir)) {
            // Hadoop's local file system keeps a hidden .<name>.crc beside each file; _staging is checked by the callers
            all = list.filter(f -> !f.getFileName().toString().startsWith(".")
                    && !f.getFileName().toString().equals("_staging")).sorted().toList();
        }
        Map<String, Shard> shards = new HashMap<>();
        for (Path f : all) {
            assertTrue(f.getFileName().toString().matches("[A-Za-z0-9._-]+-\\d{5}-\\d{5}\\.tar"), "only shards: " + all);
            List<String> members = ExternalTools.check(List.of("tar", "--list", "--file", f.toString())).lines().toList();
            shards.put("shards/" + f.getFileName(), new Shard(f, members));
        }
        Set<String> seen = new HashSet<>();
        for (Shard s : shards.values()) {
            assertEquals(0, s.members().size() % 3, "three members per sample: " + s.members());
            for (String m : s.members()) {
                assertTrue(seen.add(m), "member " + m + " once across all shards");
            }
        }
        assertEquals(3 * ok.size(), seen.size(), "exactly the ok images' samples");
        for (Row r : ok.values()) {
            Shard shard = shards.get((String) r.getAs("file_name"));
            assertNotNull(shard, "the row's shard exists: " + r.getAs("file_name"));
            assertEquals("file:" + out + "/shards/" + shard.file().getFileName(), r.getAs("image_uri"));
            String member = r.getAs("shard_member");
            String key = WebDatasetShards.key(r.getAs("id"), r.getAs("image_index"));
            assertEquals(key + ".png", member);
            assertTrue(shard.members().containsAll(List.of(key + ".png", key + ".json", key + ".tokens.npy")));
            byte[] extracted = extract(shard.file(), member);
            int size = r.getAs("image_bytes");
            assertEquals(extracted.length, size);
            byte[] whole = Files.readAllBytes(shard.file());
            long offset = r.getAs("shard_offset");
            assertArrayEquals(extracted, Arrays.copyOfRange(whole, (int) offset, (int) offset + size),
                    "shard_offset and image_bytes locate the PNG in the tar");
            JsonNode json = JSON.readTree(extract(shard.file(), key + ".json"));
            assertEquals(r.getAs("prompt"), json.get("prompt").asText());
            assertEquals((long) r.getAs("seed"), json.get("seed").asLong());
            assertEquals((int) r.getAs("steps"), json.get("steps").asInt());
            assertEquals(r.getAs("model_fingerprint"), json.get("model_fingerprint").asText());
            assertEquals(16, json.get("width").asInt());
            Row inline = r.getAs("image");
            assertArrayEquals(extracted, (byte[]) inline.getAs("bytes"), "inline image = shard member");
            assertEquals(member, inline.getAs("path"));
        }
        return shards;
    }

    private static byte[] extract(Path tar, String member) throws Exception {
        Path dir = Files.createTempDirectory("untar");
        ExternalTools.Result r = ExternalTools.run(List.of("tar", "--extract", "--file", tar.toString(), member), dir);
        assertEquals(0, r.exitCode(), r.stderr());
        return Files.readAllBytes(dir.resolve(member));
    }

    /** Python's tarfile grouped by webdataset's key rule: each sample's PNG, JSON and token grid, all decodable. */
    private static void checkWithPython(Path out, Map<String, Row> ok) throws Exception {
        String script = """
                import io, json, sys, tarfile, glob, re
                import numpy as np
                from PIL import Image
                samples = {}
                for shard in sorted(glob.glob(sys.argv[1] + "/*.tar")):
                    with tarfile.open(shard) as tar:
                        for m in tar.getmembers():
                            key, ext = re.match(r"^((?:.*/|)[^.]+)[.]([^/]*)$", m.name).groups()  # webdataset's rule
                            data = tar.extractfile(m).read()
                            s = samples.setdefault(key, {})
                            assert ext not in s, (key, ext)
                            if ext == "png":
                                im = Image.open(io.BytesIO(data)); im.load(); s[ext] = [im.size[0], im.size[1], dict(im.text).get("prompt")]
                            elif ext == "json":
                                s[ext] = json.loads(data)
                            elif ext == "tokens.npy":
                                a = np.load(io.BytesIO(data)); s[ext] = [list(a.shape), str(a.dtype), a.reshape(-1).tolist()]
                print(json.dumps(samples))
                """;
        JsonNode samples = JSON.readTree(ExternalTools.python(script, out.resolve("shards").toString()));
        assertEquals(ok.size(), samples.size());
        for (Row r : ok.values()) {
            JsonNode s = samples.get(WebDatasetShards.key(r.getAs("id"), r.getAs("image_index")));
            assertNotNull(s, "sample of " + r.getAs("id"));
            assertEquals(List.of(16, 12), List.of(s.get("png").get(0).asInt(), s.get("png").get(1).asInt()));
            assertEquals(r.getAs("prompt"), s.get("png").get(2).asText());
            assertEquals(r.getAs("id"), s.get("json").get("id").asText());
            assertEquals("[3,4]", s.get("tokens.npy").get(0).toString());
            assertEquals("int64", s.get("tokens.npy").get(1).asText());
            List<Integer> tokens = new ArrayList<>();
            s.get("tokens.npy").get(2).forEach(t -> tokens.add(t.asInt()));
            assertEquals(r.getList(r.fieldIndex("tokens")), tokens);
        }
    }

    @Test
    void webdatasetShardsOfARetriedTaskHoldEveryImageOnce() throws Exception {
        Path out = tmp.resolve("out");
        // The first attempt of the task stores 4 images in its shards, then dies; Spark's retry commits.
        FakeGenerator.CRASH_AFTER.set(4);
        FakeGenerator.crashOnce = true;
        JobConfig job = job(captions(8), out, model, "partitions", "1", "batch_size", "2", "output_format",
                "webdataset", "shard_images", "3", "inline_images", "true");
        RunSummary summary = run(job);
        assertEquals(10, summary.imagesOk());
        assertEquals("file:" + out + "/shards", summary.images());
        assertTrue(FakeGenerator.CALLS.stream().mapToInt(Integer::intValue).sum() > 10, "a task was retried");
        List<Row> rows = manifest(out.toString());
        Map<String, Row> ok = okImages(rows);
        assertEquals(1, ok.values().stream().map(r -> (long) r.getAs("task_attempt")).distinct().count(),
                "one committed attempt");
        Map<String, Shard> shards = checkShards(out, ok);
        assertEquals(4, shards.size(), "10 images, 3 a shard: " + shards.keySet());
        assertTrue(shards.containsKey("shards/" + OutputLayout.shardName(job.runId(), 0, 3)));
        assertFalse(Files.exists(out.resolve("shards/_staging")), "no staging files are left");
        checkWithPython(out, ok);
    }

    @Test
    void aWebdatasetRunThatDiedIsResumedWithoutDuplicates() throws Exception {
        Path input = prompts(tmp.resolve("in/prompts.parquet"),
                IntStream.range(0, 20).mapToObj(i -> row("r" + i, "caption " + i)).toArray(String[]::new));
        Path out = tmp.resolve("out");
        String[] settings = {"partitions", "2", "batch_size", "2", "rows_per_commit", "5", "output_format",
                "webdataset", "shard_images", "2", "inline_images", "true"};
        FakeGenerator.CRASH_AFTER.set(13);
        assertThrows(Exception.class, () -> run(job(input, out, model, settings)));
        Map<String, Row> committed = okImages(manifest(out.toString()));
        assertTrue(committed.size() > 0 && committed.size() < 20, "part of the work was committed: " + committed.size());
        checkShards(out, committed);

        FakeGenerator.reset();
        RunSummary resumed = run(job(input, out, model, settings));
        assertEquals(20 - committed.size(), resumed.imagesOk());
        Map<String, Row> all = okImages(manifest(out.toString()));
        assertEquals(20, all.size());
        checkShards(out, all);
        assertFalse(Files.exists(out.resolve("shards/_staging")));
        checkWithPython(out, all);
    }

    @Test
    void shardsCommittedButNotMovedWhenTheDriverDiedAreMovedByTheNextRun() throws Exception {
        Path out = tmp.resolve("out");
        Path input = captions(4);
        JobConfig first = job(input, out, model, "partitions", "1", "output_format", "webdataset",
                "shard_images", "2", "inline_images", "true");
        run(first);
        Map<String, Row> ok = okImages(manifest(out.toString()));
        // Put the run back in the state a driver that died right after the manifest commit leaves: the committed
        // attempt's shards still in staging (beside a losing attempt's file), none in shards/.
        OutputLayout layout = new OutputLayout("file:" + out);
        Set<String> moved = new HashSet<>();
        for (Row r : ok.values()) {
            String name = Path.of((String) r.getAs("file_name")).getFileName().toString();
            if (moved.add(name)) {
                Path staging = Path.of(URI.create(layout.stagingShard(first.runId(), name, r.getAs("task_attempt"))));
                Files.createDirectories(staging.getParent());
                Files.move(out.resolve("shards").resolve(name), staging);
                Files.writeString(staging.resolveSibling(name + ".999999"), "a losing attempt's partial shard");
            }
        }
        assertEquals(3, moved.size());

        FakeGenerator.reset();
        RunSummary again = run(job(input, out, model, "partitions", "1", "output_format", "webdataset"));
        assertEquals(0, again.imagesOk(), "nothing to generate again");
        checkShards(out, ok);
        assertFalse(Files.exists(out.resolve("shards/_staging")));
    }

    @Test
    void badOutputSettingsAreRefusedNamingTheKey() {
        Path in = tmp.resolve("in.parquet");
        assertEquals("test job: output_format: 'zip' is not valid (expected png or webdataset)",
                assertThrows(JobException.class, () -> job(in, tmp, model, "output_format", "zip")).getMessage());
        assertEquals("test job: shard_images: -1 is out of range (0..2147483647)",
                assertThrows(JobException.class, () -> job(in, tmp, model, "shard_images", "-1")).getMessage());
        assertEquals("test job: shard_bytes: cannot use '0' (must be at least 1)",
                assertThrows(JobException.class, () -> job(in, tmp, model, "shard_bytes", "0")).getMessage());
    }
}
