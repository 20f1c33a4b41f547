package io.vqgen.job;

import io.vqgen.eval.EvalGoldens;
import io.vqgen.eval.EvalModels;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.imageio.ImageIO;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStreamWriter;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The evaluation job end to end in local Spark, on a generation output built here (six images, one that does not
 * decode, one that is missing, one generation error row), with random-weight networks of the real layouts
 * (init-model clip-tiny and fid-inception) and a reference folder of images (one of them broken).
 */
class EvalJobTest {
    @TempDir
    static Path tmp;
    static Path clip;
    static Path fid;
    static Path generated;
    static Path reference;

    @BeforeAll
    static void setUp() throws IOException {
        clip = tmp.resolve("clip-tiny");
        EvalModels.write(EvalModels.Preset.CLIP_TINY, 0, clip, null);
        Path fidDir = tmp.resolve("fid");
        EvalModels.write(EvalModels.Preset.FID_INCEPTION, 0, fidDir, null);
        fid = fidDir.resolve(EvalModels.FID_FILE);
        generated = tmp.resolve("gen");
        reference = tmp.resolve("reference");
        Files.createDirectories(reference.resolve("sub"));
        List<Row> rows = new ArrayList<>();
        List<String> names = EvalGoldens.imageNames();
        for (int i = 0; i < 6; i++) {
            Path image = generated.resolve("images/p" + i + "/0.png");
            Files.createDirectories(image.getParent());
            Files.copy(EvalGoldens.DIR.resolve("images/" + names.get(i) + ".png"), image);
            rows.add(manifestRow("p" + i, 0, "a photo number " + i, image.toUri().toString(), "ok", null, 1000L + i));
        }
        Path broken = generated.resolve("images/broken/0.png");
        Files.createDirectories(broken.getParent());
        Files.writeString(broken, "not a png");
        rows.add(manifestRow("broken", 0, "a broken file", broken.toUri().toString(), "ok", null, 2000L));
        rows.add(manifestRow("missing", 0, "a lost file", generated.resolve("images/missing/0.png").toUri().toString(),
                "ok", null, 2001L));
        rows.add(manifestRow("failed", 0, "a row that failed", null, "error", "CUDA out of memory", 2002L));
        SparkSession spark = JobTestSupport.spark();
        spark.createDataFrame(rows, MANIFEST).write().parquet(generated.resolve("manifest/run_id=r1").toString());
        for (String n : names) {
            Files.copy(EvalGoldens.DIR.resolve("images/" + n + ".png"), reference.resolve(n.startsWith("p") ? "sub/" + n + ".png" : n + ".png"));
        }
        Files.writeString(reference.resolve("truncated.png"), "\u0089PNG broken");
        Files.writeString(reference.resolve("notes.txt"), "not an image: ignored by extension");
    }

    /** A row of the generation manifest, by column name (the columns the evaluation reads; the rest null). */
    private static Row manifestRow(String id, int index, String prompt, String uri, String status, String error, long imageId) {
        StructType schema = MANIFEST;
        Object[] v = new Object[schema.length()];
        v[schema.fieldIndex("id")] = id;
        v[schema.fieldIndex("image_index")] = index;
        v[schema.fieldIndex("prompt")] = prompt;
        v[schema.fieldIndex("image_uri")] = uri;
        v[schema.fieldIndex("status")] = status;
        v[schema.fieldIndex("error")] = error;
        v[schema.fieldIndex("image_id")] = imageId;
        return RowFactory.create(v);
    }

    private static final StructType MANIFEST = ManifestSchema.of(false).add("image_id", DataTypes.LongType);

    private static Result eval(String... keyValues) throws IOException {
        Path job = Files.createTempFile(tmp, "eval", ".properties");
        StringBuilder s = new StringBuilder();
        s.append("generated=").append(generated.toUri()).append('\n');
        s.append("clip_model=").append(clip).append('\n');
        s.append("fid_weights=").append(fid).append('\n');
        s.append("reference=").append(reference.toUri()).append('\n');
        s.append("batch_size=3\npartitions=2\nreport_samples=8\n");
        Files.writeString(job, s.toString());
        List<String> overrides = new ArrayList<>();
        for (int i = 0; i < keyValues.length; i += 2) {
            overrides.add(keyValues[i] + "=" + keyValues[i + 1]);
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        JobTestSupport.spark();
        int code = EvalJob.run(job, overrides, new PrintWriter(new OutputStreamWriter(out, StandardCharsets.UTF_8), true),
                new PrintWriter(new OutputStreamWriter(err, StandardCharsets.UTF_8), true));
        return new Result(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    private record Result(int code, String out, String err) {
    }

    @Test
    void evaluatesCountsWhatItSkipsAndWritesAReportWhoseLinksResolve() throws IOException {
        Result r = eval("run_id", "e1");
        assertEquals(0, r.code(), r.err() + r.out());
        Path dir = generated.resolve("eval/e1");
        EvalSummary s = EvalSummary.fromJson(Files.readString(dir.resolve("summary.json")));
        assertEquals(6, s.imagesEvaluated());
        assertEquals(2, s.imagesSkipped(), "the undecodable and the missing image");
        assertEquals(1, s.generationErrors());
        assertTrue(s.skippedExamples().keySet().stream().anyMatch(k -> k.endsWith("broken/0.png")), s.skippedExamples().toString());
        assertTrue(s.skippedExamples().values().stream().anyMatch(v -> v.contains("image not found")), s.skippedExamples().toString());
        assertEquals(6, s.clipScore().n());
        assertEquals(Math.max(s.clipScore().mean(), 0), s.clipScore().value(), 0);
        assertTrue(Double.isFinite(s.fid().value()) && s.fid().value() > 0, "FID " + s.fid().value());
        assertEquals(6, s.fid().nGenerated());
        assertEquals(8, s.fid().nReference(), "8 reference PNGs, the truncated one skipped");
        assertEquals(1L, s.fid().referenceSkipped());
        assertNotNull(s.fid().warning(), "fewer images than feature dimensions must be flagged");
        assertFalse(s.fid().referenceStatsReused());
        assertTrue(Files.isRegularFile(generated.resolve("eval/reference-pytorch-fid.npz")));

        List<Row> scores = JobTestSupport.spark().read().parquet(dir.resolve("scores").toString()).orderBy("id").collectAsList();
        assertEquals(8, scores.size());
        double sum = 0;
        for (Row row : scores) {
            boolean ok = row.getString(row.fieldIndex("status")).equals("ok");
            assertEquals(ok, !row.isNullAt(row.fieldIndex("clip_score")), row.toString());
            assertEquals(!ok, !row.isNullAt(row.fieldIndex("error")), row.toString());
            sum += ok ? row.getFloat(row.fieldIndex("clip_score")) : 0;
        }
        assertEquals(sum / 6, s.clipScore().mean(), 1e-5, "the summary's mean is the table's");
        assertEquals("1000", scores.stream().filter(x -> x.getString(0).equals("p0")).findFirst().orElseThrow()
                .getString(scores.get(0).fieldIndex("image_id")));

        // the page: every link resolves to a file, every thumbnail is an embedded image that decodes
        String html = Files.readString(dir.resolve("report.html"));
        Matcher href = Pattern.compile("href=\"([^\"]+)\"").matcher(html);
        int links = 0;
        while (href.find()) {
            Path target = dir.resolve(href.group(1)).normalize();
            assertTrue(Files.isRegularFile(target), "link " + href.group(1) + " → " + target);
            links++;
        }
        assertTrue(links >= 6, "links: " + links);
        Matcher img = Pattern.compile("<img src=\"data:image/png;base64,([^\"]+)\"").matcher(html);
        int images = 0;
        while (img.find()) {
            assertNotNull(ImageIO.read(new ByteArrayInputStream(Base64.getDecoder().decode(img.group(1)))));
            images++;
        }
        assertEquals(links, images);
        assertTrue(html.contains("Skipped images") && html.contains("FID") && html.contains("<svg"), "report sections");
        assertTrue(r.out().contains("report:"), r.out());

        // a second evaluation reuses the cached reference statistics, and gets the same FID
        Result again = eval("run_id", "e2", "metrics", "fid");
        assertEquals(0, again.code(), again.err());
        EvalSummary s2 = EvalSummary.fromJson(Files.readString(generated.resolve("eval/e2/summary.json")));
        assertTrue(s2.fid().referenceStatsReused());
        assertEquals(s.fid().value(), s2.fid().value(), 1e-9 * s.fid().value());
        assertEquals(null, s2.clipScore());

        // the same statistics file under another resize convention is refused, not silently reused
        Result mismatched = eval("run_id", "e3", "metrics", "fid", "fid_resize", "clean",
                "reference_stats", generated.resolve("eval/reference-pytorch-fid.npz").toUri().toString());
        assertEquals(2, mismatched.code(), mismatched.out());
        assertTrue(mismatched.err().contains("was computed with fid_resize=pytorch-fid"), mismatched.err());
        // an existing run id is refused
        Result existing = eval("run_id", "e1");
        assertEquals(2, existing.code());
        assertTrue(existing.err().contains("already exists"), existing.err());
    }

    @Test
    void badInputFailsFastWithOneLine() throws IOException {
        Path emptyReference = Files.createDirectories(tmp.resolve("empty-reference"));
        Map<List<String>, String> cases = Map.of(
                List.of("colour", "red"), "unknown key 'colour'",
                List.of("clip_model", tmp.resolve("nowhere").toString()), "model folder not found",
                List.of("fid_weights", clip.resolve("config.json").toString()), "unknown weight file type",
                List.of("metrics", "fid", "fid_weights", clip.resolve("model.safetensors").toString()), "missing tensor",
                List.of("metrics", "fid", "reference", "", "reference_stats", tmp.resolve("none.npz").toString()),
                "no reference statistics",
                List.of("metrics", "fid", "reference", emptyReference.toUri().toString(), "reference_stats",
                        tmp.resolve("empty.npz").toString()), "no images found",
                List.of("generated", tmp.resolve("no-run").toUri().toString()), "cannot read its manifest",
                List.of("metrics", "psnr"), "unknown metric 'psnr'",
                List.of("fid_resize", "nearest"), "unknown FID resize convention");
        int n = 0;
        for (Map.Entry<List<String>, String> c : cases.entrySet()) {
            // a statistics file of its own, so that no case depends on what another test cached
            List<String> kv = new ArrayList<>(List.of("reference_stats", tmp.resolve("stats-" + n + ".npz").toString()));
            kv.addAll(c.getKey());
            kv.add("run_id");
            kv.add("bad" + n++);
            Result r = eval(kv.toArray(String[]::new));
            assertEquals(2, r.code(), c.getKey() + ": " + r.err() + r.out());
            assertTrue(r.err().contains(c.getValue()), c.getKey() + ": " + r.err());
            assertEquals(1, r.err().lines().count(), r.err());
        }
    }
}
