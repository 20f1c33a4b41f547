package io.vqgen.job;

import io.vqgen.pipeline.GenerationSetting;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FSDataInputStream;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.xxhash64;

/**
 * A contact sheet of a job's output as one HTML page: a sample of the images with their prompt, seed, sampler and
 * settings, then the error rows. Images stored as PNG objects on the local file system are linked by their
 * {@code file:} URI (the page stays small; it opens where the output is); images in webdataset shards or on object
 * stores ({@code s3a://}, {@code hdfs://}), which a browser cannot open, are embedded as {@code data:} URIs read
 * through Hadoop's file system, so that page is self-contained. An image that cannot be read is shown as missing,
 * with the reason.
 */
public final class Gallery {
    /** Rows picked: ok images (a sample) and error rows (up to the same number). */
    public record Selection(List<Row> images, List<Row> errors, long imagesOk, long errorRows) {
    }

    private Gallery() {
    }

    /**
     * Picks up to {@code sample} ok images (a deterministic sample: lowest hash of id and image index) and up to as
     * many error rows, from run {@code runId} or (null) every run.
     *
     * @throws JobException if there is no manifest under {@code output} or no such run
     */
    public static Selection select(SparkSession spark, String output, String runId, int sample) {
        OutputLayout layout = new OutputLayout(output);
        Dataset<Row> manifest;
        try {
            manifest = spark.read().parquet(layout.manifest());
        } catch (Exception e) {
            throw new JobException("output " + output + ": no manifest to show (" + ErrorText.of(e) + ")", e);
        }
        if (runId != null) {
            manifest = manifest.filter(col("run_id").equalTo(runId));
        }
        Dataset<Row> ok = manifest.filter(col("status").equalTo(ManifestSchema.OK)).drop("tokens", "image");
        Dataset<Row> errors = manifest.filter(col("status").equalTo(ManifestSchema.ERROR)).drop("tokens", "image");
        long okCount = ok.count();
        long errorCount = errors.count();
        if (okCount + errorCount == 0) {
            throw new JobException("output " + output + ": " + (runId == null ? "the manifest is empty"
                    : "no rows of run '" + runId + "' in the manifest"));
        }
        List<Row> images = new ArrayList<>(ok.orderBy(xxhash64(col("id"), col("image_index")), col("id"))
                .limit(sample).collectAsList());
        images.sort((a, b) -> {
            int c = String.valueOf((Object) a.getAs("id")).compareTo(String.valueOf((Object) b.getAs("id")));
            return c != 0 ? c : Integer.compare(a.<Integer>getAs("image_index"), b.<Integer>getAs("image_index"));
        });
        List<Row> bad = errors.orderBy(col("id"), col("image_index")).limit(sample).collectAsList();
        return new Selection(images, bad, okCount, errorCount);
    }

    /** The page for a selection; {@code conf} reads images that are embedded. */
    public static String html(String output, String runId, Selection selection, Configuration conf) {
        StringBuilder h = new StringBuilder(64 * 1024);
        h.append("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>vqgen gallery: ")
                .append(esc(output)).append("</title>\n<style>\n")
                .append("body{font:14px system-ui,sans-serif;margin:1.5em;color:#222}")
                .append(".grid{display:grid;grid-template-columns:repeat(auto-fill,minmax(220px,1fr));gap:14px}")
                .append(".card{border:1px solid #ccc;border-radius:6px;padding:8px;background:#fafafa}")
                .append(".card img{width:100%;image-rendering:pixelated;background:#ddd;display:block}")
                .append(".card img[data-state=missing]{min-height:60px;outline:3px solid #c00}")
                .append(".prompt{font-weight:600;margin:6px 0}.meta{font:12px monospace;color:#555;word-break:break-all}")
                .append(".missing{color:#c00}table{border-collapse:collapse;margin-top:1em}")
                .append("td,th{border:1px solid #ccc;padding:4px 8px;text-align:left;vertical-align:top}")
                .append("</style></head><body>\n<h1>vqgen gallery</h1>\n<p>")
                .append(esc(output)).append(runId == null ? ", all runs" : ", run " + esc(runId)).append(": ")
                .append(selection.imagesOk()).append(" images ok, ").append(selection.errorRows())
                .append(" error rows; showing ").append(selection.images().size()).append(" images and ")
                .append(selection.errors().size()).append(" error rows.</p>\n<div class=\"grid\">\n");
        for (Row r : selection.images()) {
            card(h, r, conf);
        }
        h.append("</div>\n<h2>Error rows</h2>\n");
        if (selection.errors().isEmpty()) {
            h.append("<p>None.</p>\n");
        } else {
            h.append("<table><tr><th>id</th><th>image</th><th>run</th><th>prompt</th><th>error</th></tr>\n");
            for (Row r : selection.errors()) {
                h.append("<tr><td>").append(esc(r.getAs("id"))).append("</td><td>").append(esc(r.getAs("image_index")))
                        .append("</td><td>").append(esc(r.getAs("run_id"))).append("</td><td>")
                        .append(esc(r.getAs("prompt"))).append("</td><td>").append(esc(r.getAs("error")))
                        .append("</td></tr>\n");
            }
            h.append("</table>\n");
        }
        return h.append("</body></html>\n").toString();
    }

    private static void card(StringBuilder h, Row r, Configuration conf) {
        h.append("<div class=\"card\">");
        String src;
        String problem = null;
        try {
            src = source(r, conf);
        } catch (IOException | RuntimeException e) {
            src = "";
            problem = ErrorText.of(e);
        }
        h.append("<img alt=\"").append(esc(r.getAs("id"))).append(" #").append(esc(r.getAs("image_index")))
                .append("\" src=\"").append(esc(src)).append("\" onload=\"this.dataset.state='loaded'\"")
                .append(" onerror=\"this.dataset.state='missing'\">");
        if (problem != null) {
            h.append("<div class=\"missing\">image missing: ").append(esc(problem)).append("</div>");
        }
        h.append("<div class=\"prompt\">").append(esc(r.getAs("prompt"))).append("</div><div class=\"meta\">id ")
                .append(esc(r.getAs("id"))).append(" #").append(esc(r.getAs("image_index"))).append(" · seed ")
                .append(esc(r.getAs("seed"))).append("<br>").append(esc(r.getAs("sampler")));
        for (GenerationSetting s : GenerationSetting.sampling()) {
            if (List.of(r.schema().fieldNames()).contains(s.key())) {
                h.append(" · ").append(s.key()).append(' ').append(esc(r.getAs(s.key())));
            }
        }
        h.append("<br>").append(esc(r.getAs("width"))).append('×').append(esc(r.getAs("height"))).append(" · run ")
                .append(esc(r.getAs("run_id"))).append("<br>").append(esc(r.getAs("file_name")));
        Object member = field(r, "shard_member");
        if (member != null) {
            h.append(" : ").append(esc(member));
        }
        h.append("</div></div>\n");
    }

    /** A {@code file:} URI for a local PNG object, else the image's bytes as a data URI. */
    static String source(Row r, Configuration conf) throws IOException {
        String uri = r.getAs("image_uri");
        Object member = field(r, "shard_member");
        Path path = new Path(uri);
        if (member == null && "file".equals(path.toUri().getScheme())) {
            return path.toUri().toString().replaceFirst("^file:/+", "file:///");
        }
        FileSystem fs = path.getFileSystem(conf);
        byte[] png;
        if (member == null) {
            try (FSDataInputStream in = fs.open(path)) {
                png = in.readAllBytes();
            }
        } else {
            long offset = r.getAs("shard_offset");
            int size = r.getAs("image_bytes");
            png = new byte[size];
            try (FSDataInputStream in = fs.open(path)) {
                in.readFully(offset, png);
            }
        }
        return "data:image/png;base64," + Base64.getEncoder().encodeToString(png);
    }

    private static Object field(Row r, String name) {
        return List.of(r.schema().fieldNames()).contains(name) ? r.getAs(name) : null;
    }

    static String esc(Object value) {
        String s = String.valueOf(value);
        StringBuilder out = new StringBuilder(s.length());
        for (char c : s.toCharArray()) {
            switch (c) {
                case '<' -> out.append("&lt;");
                case '>' -> out.append("&gt;");
                case '&' -> out.append("&amp;");
                case '"' -> out.append("&quot;");
                case '\'' -> out.append("&#39;");
                default -> out.append(c);
            }
        }
        return out.toString();
    }
}
