package io.vqgen.job;

import io.vqgen.eval.ClipScoreSummary;
import io.vqgen.eval.EvalReport;
import io.vqgen.eval.FeatureSums;
import io.vqgen.eval.FrechetDistance;
import io.vqgen.eval.GaussianStats;
import io.vqgen.eval.ReferenceStatsFile;
import io.vqgen.eval.image.ImageDecoder;
import io.vqgen.eval.image.PilFilter;
import io.vqgen.eval.image.PilResize;
import io.vqgen.eval.image.RgbImage;
import io.vqgen.model.inception.FidInception;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FSDataInputStream;
import org.apache.hadoop.fs.FSDataOutputStream;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.SparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.storage.StorageLevel;
import org.apache.spark.util.SerializableConfiguration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.count;
import static org.apache.spark.sql.functions.floor;
import static org.apache.spark.sql.functions.least;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.max;
import static org.apache.spark.sql.functions.min;
import static org.apache.spark.sql.functions.sum;
import static org.apache.spark.sql.functions.xxhash64;

/**
 * The evaluation job on the driver: checks what can be checked first (settings, networks, manifest, output), then
 * lets the executors score the generated images (and the reference images, when their statistics are not cached)
 * and adds up what they return: per-image scores go to a Parquet table, features only as float64 sums.
 * <pre>
 * &lt;output&gt;/eval/&lt;run_id&gt;/scores/       per-image table (id, image_index, prompt, image_id, image_uri, status, error, clip_score)
 * &lt;output&gt;/eval/&lt;run_id&gt;/summary.json  the figures and settings
 * &lt;output&gt;/eval/&lt;run_id&gt;/report.html   the page to look at
 * </pre>
 */
public final class EvalRunner {
    private static final Logger LOG = LoggerFactory.getLogger(EvalRunner.class);
    private static final int HISTOGRAM_BINS = 30;
    private static final int THUMBNAIL = 160;
    private static final int SKIPPED_EXAMPLES = 20;

    private EvalRunner() {
    }

    public static EvalSummary run(SparkSession spark, EvalConfig config) {
        Instant started = Instant.now();
        LOG.info("eval {}: settings {}", config.runId(), config.maskedSettings());
        SparkContext sc = spark.sparkContext();
        Configuration hadoop = sc.hadoopConfiguration();
        config.sparkSettings().forEach((k, v) -> {
            if (k.startsWith("spark.hadoop.")) {
                hadoop.set(k.substring("spark.hadoop.".length()), v);
            }
        });
        // everything that can be checked is checked before any image is read: manifest, output, reference, networks
        String manifest = qualify(config.generated(), hadoop) + "/manifest";
        Dataset<Row> all = readManifest(spark, manifest, config);
        String root = qualify(config.output(), hadoop);
        String evalDir = root + "/eval/" + config.runId();
        checkOutputIsNew(evalDir, hadoop);
        String weightsSha = config.fid() ? sha256(new java.io.File(config.fidWeights()).toPath()) : null;
        CachedReference cached = config.fid() ? cachedReference(spark, config, weightsSha, hadoop) : null;
        // the networks load (and fail) here, before any work is spread; a local run's tasks reuse them
        EvaluatorCache.get(config.clip() ? config.clipModel() : "", config.fid() ? config.fidWeights() : "",
                config.fidResize(), "cpu");
        prepareOutput(evalDir, hadoop);
        Dataset<Row> ok = all.filter(col("status").equalTo(ManifestSchema.OK)).dropDuplicates("id", "image_index");
        long generationErrors = all.filter(col("status").notEqual(ManifestSchema.OK))
                .join(ok.select("id", "image_index"), toSeq("id", "image_index"), "left_anti").count();
        Broadcast<SerializableConfiguration> conf = SerializableConfiguration.broadcast(sc, hadoop);
        int partitions = config.partitions() > 0 ? config.partitions() : sc.defaultParallelism();
        Dataset<Row> inputs = ok.select(col("id"), col("image_index"), col("prompt"),
                has(all, "image_id") ? col("image_id").cast(DataTypes.StringType) : lit(null).cast(DataTypes.StringType),
                col("image_uri"), has(all, "image") ? col("image") : lit(null).cast(DataTypes.BinaryType));
        Dataset<Row> results = inputs.repartition(partitions, col("id"))
                .mapPartitions(new EvalTask(config, true, conf), Encoders.row(EvalTask.OUTPUT))
                .persist(StorageLevel.MEMORY_AND_DISK());
        try {
            sc.setJobDescription("vqgen eval " + config.runId() + ": generated images");
            String scores = evalDir + "/scores";
            results.drop("features").write().parquet(scores);
            Dataset<Row> good = results.filter(col("status").equalTo("ok"));
            long evaluated = good.count();
            Map<String, String> skipped = skippedExamples(results);
            long skippedCount = results.count() - evaluated;
            if (evaluated == 0) {
                throw new JobException("manifest " + manifest + ": none of its " + skippedCount + " ok images could be "
                        + "read or decoded (e.g. " + skipped.entrySet().stream().findFirst().map(e -> e.getKey() + ": "
                        + e.getValue()).orElse("") + ")");
            }
            LOG.info("eval {}: {} generated images scored, {} skipped ({} s)", config.runId(), evaluated, skippedCount,
                    seconds(started));
            List<String> warnings = new ArrayList<>();
            if (skippedCount > 0) {
                warnings.add(skippedCount + " image(s) could not be read or decoded and were left out (see Skipped images)");
            }
            EvalSummary.Clip clip = null;
            EvalReport.Histogram histogram = null;
            if (config.clip()) {
                Row a = good.agg(count(col("clip_score")), sum(col("clip_score").cast("double")),
                        sum(col("clip_score").cast("double").multiply(col("clip_score").cast("double"))),
                        min("clip_score"), max("clip_score")).first();
                ClipScoreSummary s = new ClipScoreSummary(a.getLong(0), a.getDouble(1), a.getDouble(2));
                clip = new EvalSummary.Clip(s.clipScore(), s.mean(), s.std(), s.n(), config.clipModel());
                histogram = histogram(good, a.getFloat(3), a.getFloat(4));
            }
            EvalSummary.Fid fid = null;
            if (config.fid()) {
                sc.setJobDescription("vqgen eval " + config.runId() + ": FID statistics");
                fid = fid(config, good, cached, weightsSha, conf, partitions, hadoop, warnings);
            }
            Instant finished = Instant.now();
            EvalSummary summary = new EvalSummary(config.runId(), config.generated(), manifest,
                    config.generatedRunId().isEmpty() ? null : config.generatedRunId(), evalDir, started.toString(),
                    finished.toString(), Duration.between(started, finished).toMillis() / 1000.0, evaluated,
                    skippedCount, generationErrors, skipped, clip, fid, scores, evalDir + "/report.html",
                    config.maskedSettings());
            write(evalDir + "/summary.json", summary.toJson().getBytes(StandardCharsets.UTF_8), hadoop);
            write(evalDir + "/report.html", report(config, summary, good, histogram, warnings, root, evalDir, hadoop)
                    .getBytes(StandardCharsets.UTF_8), hadoop);
            LOG.info(summary.describe());
            return summary;
        } finally {
            sc.setJobDescription(null);
            results.unpersist();
            conf.unpersist();
        }
    }

    private static EvalSummary.Fid fid(EvalConfig config, Dataset<Row> good, CachedReference cached, String weightsSha,
                                       Broadcast<SerializableConfiguration> conf, int partitions, Configuration hadoop,
                                       List<String> warnings) {
        Instant start = Instant.now();
        FeatureSums generated = featureSums(good);
        LOG.info("eval {}: feature sums of {} generated images ({} s)", config.runId(), generated.count(), seconds(start));
        Reference ref = reference(cached, config, weightsSha, conf, partitions, hadoop);
        start = Instant.now();
        FrechetDistance.Result r = FrechetDistance.between(generated.stats(), ref.stats());
        LOG.info("eval {}: Fréchet distance {} ({} s)", config.runId(), r.distance(), seconds(start));
        String warning = null;
        long fewer = Math.min(generated.count(), ref.stats().count() == 0 ? Long.MAX_VALUE : ref.stats().count());
        if (fewer <= FidInception.FEATURES) {
            warning = "FID from " + fewer + " images, not more than the " + FidInception.FEATURES + " feature dimensions: "
                    + "the covariance is singular and the value is biased upwards; it is not comparable with FIDs "
                    + "over many more images (the usual protocol uses 30,000 generated and all reference images)";
            LOG.warn(warning);
            warnings.add(warning);
        }
        if (ref.skipped() != null && ref.skipped() > 0) {
            warnings.add(ref.skipped() + " reference image(s) could not be read or decoded and were left out");
        }
        return new EvalSummary.Fid(r.distance(), r.meanTerm(), r.trace1(), r.trace2(), r.traceSqrt(), generated.count(),
                ref.stats().count(), config.fidResize().label(), config.fidWeights(), weightsSha,
                config.reference().isEmpty() ? null : config.reference(), ref.file(), ref.reused(), ref.skipped(), warning);
    }

    private record Reference(GaussianStats stats, String file, boolean reused, Long skipped) {
    }

    /** Either reusable statistics (checked against this job's network and resize), or the reference images to compute them from. */
    private record CachedReference(String file, ReferenceStatsFile.Contents contents, Dataset<Row> images) {
    }

    private static CachedReference cachedReference(SparkSession spark, EvalConfig config, String weightsSha,
                                                   Configuration hadoop) {
        Path file = new Path(config.referenceStats());
        try {
            FileSystem fs = file.getFileSystem(hadoop);
            String qualified = fs.makeQualified(file).toString();
            if (fs.exists(file)) {
                ReferenceStatsFile.Contents c;
                try (FSDataInputStream in = fs.open(file)) {
                    c = ReferenceStatsFile.read(in, qualified);
                } catch (IllegalArgumentException e) {
                    throw new JobException("reference_stats " + e.getMessage(), e);
                }
                checkCached(qualified, c, config, weightsSha);
                return new CachedReference(qualified, c, null);
            }
            if (config.reference().isEmpty()) {
                throw new JobException("fid: no reference statistics at reference_stats " + qualified + " and no "
                        + "reference images to compute them from (set reference= to a folder of images or a Parquet "
                        + "table of images, e.g. MSCOCO val2014)");
            }
            return new CachedReference(qualified, null, referenceRows(spark, config, hadoop));
        } catch (IOException e) {
            throw new JobException("reference_stats " + file + ": cannot be read (" + ErrorText.of(e) + ")", e);
        }
    }

    /** The cached reference statistics when they fit, else computed from the reference images and cached. */
    private static Reference reference(CachedReference cached, EvalConfig config, String weightsSha,
                                       Broadcast<SerializableConfiguration> conf, int partitions, Configuration hadoop) {
        if (cached.contents() != null) {
            GaussianStats stats = cached.contents().stats();
            LOG.info("reference statistics reused from {} ({} images)", cached.file(),
                    stats.count() == 0 ? "an unknown number of" : stats.count());
            return new Reference(stats, cached.file(), true, null);
        }
        Path file = new Path(cached.file());
        Dataset<Row> results = cached.images().repartition(partitions)
                .mapPartitions(new EvalTask(config, false, conf), Encoders.row(EvalTask.OUTPUT))
                .persist(StorageLevel.MEMORY_AND_DISK());
        try {
            FeatureSums sums = featureSums(results.filter(col("status").equalTo("ok")));
            long skipped = results.filter(col("status").notEqual("ok")).count();
            if (sums.count() < 2) {
                throw new JobException("reference " + config.reference() + ": " + sums.count() + " usable image(s), "
                        + skipped + " skipped (a covariance needs at least 2; e.g. "
                        + skippedExamples(results).entrySet().stream().findFirst()
                        .map(e -> e.getKey() + ": " + e.getValue()).orElse("nothing readable") + ")");
            }
            GaussianStats stats = sums.stats();
            Map<String, String> meta = new LinkedHashMap<>();
            meta.put("format", "vqgen FID reference statistics 1");
            meta.put("features", "pytorch-fid InceptionV3 pool3 (" + FidInception.FEATURES + ")");
            meta.put("fid_weights_sha256", weightsSha);
            meta.put("fid_resize", config.fidResize().label());
            meta.put("reference", config.reference());
            meta.put("skipped", Long.toString(skipped));
            meta.put("created", Instant.now().toString());
            try (FSDataOutputStream out = file.getFileSystem(hadoop).create(file, false)) {
                ReferenceStatsFile.write(out, stats, meta);
            }
            LOG.info("reference statistics of {} images ({} skipped) written to {}", stats.count(), skipped, cached.file());
            return new Reference(stats, cached.file(), false, skipped);
        } catch (IOException e) {
            throw new JobException("reference_stats " + file + ": cannot be written (" + ErrorText.of(e) + ")", e);
        } finally {
            results.unpersist();
        }
    }

    private static void checkCached(String file, ReferenceStatsFile.Contents c, EvalConfig config, String weightsSha) {
        if (c.stats().dim() != FidInception.FEATURES) {
            throw new JobException("reference_stats " + file + ": statistics of " + c.stats().dim() + " features, "
                    + "expected the FID Inception's " + FidInception.FEATURES);
        }
        if (c.meta() == null) {
            LOG.warn("reference_stats {} carries no provenance (not written by vqgen): it cannot be checked that its "
                    + "features were made with the same weights and the {} resize convention", file, config.fidResize().label());
            return;
        }
        String resize = c.meta().get("fid_resize");
        String sha = c.meta().get("fid_weights_sha256");
        if (!config.fidResize().label().equals(resize) || !weightsSha.equals(sha)) {
            throw new JobException("reference_stats " + file + " was computed with fid_resize=" + resize + " and FID "
                    + "weights " + sha + ", but this job uses fid_resize=" + config.fidResize().label() + " and "
                    + weightsSha + " (" + config.fidWeights() + "); delete the file to recompute it, or set "
                    + "reference_stats to another path");
        }
    }

    /** The reference images as EvalTask's input rows: a folder of image files, or a Parquet table of bytes or paths. */
    private static Dataset<Row> referenceRows(SparkSession spark, EvalConfig config, Configuration hadoop) throws IOException {
        Path path = new Path(config.reference());
        FileSystem fs = path.getFileSystem(hadoop);
        if (!fs.exists(path)) {
            throw new JobException("reference " + config.reference() + ": not found (expected a folder of images or a "
                    + "Parquet table of images)");
        }
        EvalConfig.ReferenceFormat format = config.referenceFormat();
        if (format == EvalConfig.ReferenceFormat.AUTO) {
            FileStatus status = fs.getFileStatus(path);
            boolean parquet = status.isFile() ? path.getName().endsWith(".parquet")
                    : Arrays.stream(fs.listStatus(path)).anyMatch(s -> s.getPath().getName().endsWith(".parquet"));
            format = parquet ? EvalConfig.ReferenceFormat.PARQUET : EvalConfig.ReferenceFormat.IMAGES;
        }
        Column noString = lit(null).cast(DataTypes.StringType);
        Dataset<Row> rows;
        if (format == EvalConfig.ReferenceFormat.IMAGES) {
            // only the paths: the executors read each file themselves, so no image bytes travel through a shuffle
            Dataset<Row> files = spark.read().format("binaryFile").option("recursiveFileLookup", "true")
                    .option("pathGlobFilter", "*.{png,PNG,jpg,JPG,jpeg,JPEG,bmp,BMP,gif,GIF}")
                    .load(config.reference()).select("path");
            rows = files.select(col("path").as("id"), lit(0).as("image_index"), noString.as("prompt"),
                    noString.as("image_id"), col("path").as("image_uri"), lit(null).cast(DataTypes.BinaryType).as("image"));
        } else {
            Dataset<Row> table = spark.read().parquet(config.reference());
            String pathColumn = Arrays.stream(new String[] {"path", "image_uri", "file_name"})
                    .filter(c -> has(table, c)).findFirst().orElse(null);
            boolean bytes = has(table, "image");
            if (!bytes && pathColumn == null) {
                throw new JobException("reference " + config.reference() + ": a Parquet table of reference images needs an "
                        + "'image' column (encoded bytes) or a 'path' / 'image_uri' column (image locations); it has "
                        + Arrays.toString(table.columns()));
            }
            Column id = pathColumn != null ? col(pathColumn).cast(DataTypes.StringType)
                    : xxhash64(col("image")).cast(DataTypes.StringType);
            rows = table.select(id.as("id"), lit(0).as("image_index"), noString.as("prompt"), noString.as("image_id"),
                    pathColumn != null ? col(pathColumn).cast(DataTypes.StringType).as("image_uri") : noString.as("image_uri"),
                    bytes ? col("image") : lit(null).cast(DataTypes.BinaryType).as("image"));
        }
        if (rows.isEmpty()) {
            throw new JobException("reference " + config.reference() + ": no images found (expected PNG, JPEG, BMP or GIF "
                    + "files under the folder, or rows in the Parquet table)");
        }
        return rows;
    }

    /** Σ over the rows' features, summed per partition in the executors; the driver adds the partition sums. */
    static FeatureSums featureSums(Dataset<Row> ok) {
        return ok.select("features").javaRDD().mapPartitions(rows -> {
            FeatureSums s = new FeatureSums(FidInception.FEATURES);
            float[] x = new float[FidInception.FEATURES];
            while (rows.hasNext()) {
                List<Float> f = rows.next().getList(0);
                for (int i = 0; i < x.length; i++) {
                    x[i] = f.get(i);
                }
                s.add(x);
            }
            return List.of(s).iterator();
        }).treeReduce(FeatureSums::merge, 2);
    }

    private static Dataset<Row> readManifest(SparkSession spark, String manifest, EvalConfig config) {
        Dataset<Row> m;
        try {
            m = spark.read().option("mergeSchema", "true").parquet(manifest);
        } catch (Exception e) {
            throw new JobException("generated " + config.generated() + ": cannot read its manifest at " + manifest
                    + " (" + ErrorText.of(e) + "; expected the output root of a vqgen run)", e);
        }
        for (String c : List.of("id", "image_index", "prompt", "image_uri", "status")) {
            if (!has(m, c)) {
                throw new JobException("manifest " + manifest + ": no '" + c + "' column (has " + Arrays.toString(m.columns())
                        + "); expected a vqgen generation manifest");
            }
        }
        if (!config.generatedRunId().isEmpty()) {
            m = m.filter(col("run_id").equalTo(config.generatedRunId()));
        }
        if (m.filter(col("status").equalTo(ManifestSchema.OK)).isEmpty()) {
            throw new JobException("manifest " + manifest + ": no ok images"
                    + (config.generatedRunId().isEmpty() ? "" : " in run " + config.generatedRunId()));
        }
        return m;
    }

    private static EvalReport.Histogram histogram(Dataset<Row> good, float low, float high) {
        long[] counts = new long[HISTOGRAM_BINS];
        double width = high > low ? (high - low) / HISTOGRAM_BINS : 1;
        for (Row r : good.select(least(floor(col("clip_score").minus(low).divide(width)), lit(HISTOGRAM_BINS - 1))
                .cast("int").as("bin")).groupBy("bin").count().collectAsList()) {
            counts[r.getInt(0)] = r.getLong(1);
        }
        return new EvalReport.Histogram(low, high > low ? high : low + 1, counts);
    }

    private static Map<String, String> skippedExamples(Dataset<Row> results) {
        Map<String, String> out = new LinkedHashMap<>();
        for (Row r : results.filter(col("status").notEqual("ok")).select("image_uri", "id", "error")
                .orderBy("id").limit(SKIPPED_EXAMPLES).collectAsList()) {
            out.put(r.isNullAt(0) ? r.getString(1) : r.getString(0), r.getString(2));
        }
        return out;
    }

    private static String report(EvalConfig config, EvalSummary s, Dataset<Row> good, EvalReport.Histogram histogram,
                                 List<String> warnings, String root, String evalDir, Configuration hadoop) {
        Map<String, String> figures = new LinkedHashMap<>();
        figures.put("generated", s.generated() + (s.generatedRunId() == null ? "" : " (run " + s.generatedRunId() + ")"));
        figures.put("images evaluated", Long.toString(s.imagesEvaluated()));
        figures.put("images skipped", Long.toString(s.imagesSkipped()));
        figures.put("generation errors", Long.toString(s.generationErrors()));
        if (s.clipScore() != null) {
            figures.put("CLIP score (torchmetrics)", String.format(Locale.ROOT, "%.4f", s.clipScore().value()));
            figures.put("CLIP score mean ± std", String.format(Locale.ROOT, "%.4f ± %.4f", s.clipScore().mean(),
                    s.clipScore().std()));
            figures.put("CLIP model", s.clipScore().model());
        }
        if (s.fid() != null) {
            figures.put("FID", String.format(Locale.ROOT, "%.4f", s.fid().value()));
            figures.put("FID images", s.fid().nGenerated() + " generated, " + (s.fid().nReference() == 0 ? "?"
                    : Long.toString(s.fid().nReference())) + " reference");
            figures.put("FID resize convention", s.fid().resize());
            figures.put("FID weights", s.fid().weights() + " (sha256 " + s.fid().weightsSha256() + ")");
            figures.put("reference statistics", s.fid().referenceStats() + (s.fid().referenceStatsReused() ? " (reused)" : ""));
        }
        figures.put("run", s.runId() + ", " + s.started() + ", " + String.format(Locale.ROOT, "%.1f s", s.wallSeconds()));
        String[] keep = {"id", "image_index", "image_id", "prompt", "clip_score", "image_uri"};
        int k = config.reportSamples();
        List<EvalReport.Tile> sample = tiles(good.orderBy(xxhash64(col("id"), col("image_index")))
                .selectExpr(keep).limit(k).collectAsList(), root, evalDir, hadoop);
        List<EvalReport.Tile> lowest = List.of();
        List<EvalReport.Tile> highest = List.of();
        if (config.clip()) {
            int edge = Math.max(k / 4, Math.min(k, 4));
            lowest = tiles(good.orderBy(col("clip_score").asc(), col("id")).selectExpr(keep).limit(edge).collectAsList(),
                    root, evalDir, hadoop);
            highest = tiles(good.orderBy(col("clip_score").desc(), col("id")).selectExpr(keep).limit(edge).collectAsList(),
                    root, evalDir, hadoop);
        }
        return EvalReport.html(new EvalReport.Content("vqgen evaluation " + s.runId(), figures, warnings, histogram,
                sample, lowest, highest, s.skippedExamples()));
    }

    private static List<EvalReport.Tile> tiles(List<Row> rows, String root, String evalDir, Configuration hadoop) {
        List<EvalReport.Tile> out = new ArrayList<>();
        for (Row r : rows) {
            String uri = r.getString(5);
            out.add(new EvalReport.Tile(r.getString(0), r.getInt(1), r.getString(2), r.getString(3),
                    r.isNullAt(4) ? null : r.getFloat(4), thumbnail(uri, hadoop), link(uri, root, evalDir)));
        }
        return out;
    }

    /** A link from the report to the image: relative when both lie under the output root (it then works wherever the tree is copied). */
    static String link(String uri, String root, String evalDir) {
        uri = new Path(uri).toString(); // file:///x and file:/x name the same file
        if (uri.startsWith(root + "/") && evalDir.startsWith(root + "/")) {
            String rel = uri.substring(root.length() + 1);
            long depth = evalDir.substring(root.length() + 1).chars().filter(c -> c == '/').count() + 1;
            return "../".repeat((int) depth) + rel;
        }
        return uri;
    }

    private static String thumbnail(String uri, Configuration hadoop) {
        try {
            Path p = new Path(uri);
            byte[] bytes;
            try (FSDataInputStream in = p.getFileSystem(hadoop).open(p)) {
                bytes = in.readAllBytes();
            }
            RgbImage image = ImageDecoder.decode(bytes, uri);
            double scale = Math.min(1.0, (double) THUMBNAIL / Math.max(image.width(), image.height()));
            int w = Math.max(1, (int) Math.round(image.width() * scale));
            int h = Math.max(1, (int) Math.round(image.height() * scale));
            RgbImage small = PilResize.resize(image, w, h, PilFilter.BICUBIC);
            BufferedImage b = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
            byte[] px = small.pixels();
            for (int i = 0; i < w * h; i++) {
                b.setRGB(i % w, i / w, (px[i * 3] & 0xFF) << 16 | (px[i * 3 + 1] & 0xFF) << 8 | (px[i * 3 + 2] & 0xFF));
            }
            ByteArrayOutputStream png = new ByteArrayOutputStream();
            ImageIO.write(b, "png", png);
            return "data:image/png;base64," + Base64.getEncoder().encodeToString(png.toByteArray());
        } catch (IOException | RuntimeException e) {
            throw new JobException("report: cannot make a thumbnail of " + uri + " (" + ErrorText.of(e) + ")", e);
        }
    }

    private static void checkOutputIsNew(String evalDir, Configuration hadoop) {
        Path dir = new Path(evalDir);
        try {
            if (dir.getFileSystem(hadoop).exists(dir)) {
                throw new JobException("output " + evalDir + ": already exists (every evaluation gets its own run_id; "
                        + "choose another one)");
            }
        } catch (IOException e) {
            throw new JobException("output " + evalDir + ": cannot be checked (" + ErrorText.of(e) + ")", e);
        }
    }

    private static void prepareOutput(String evalDir, Configuration hadoop) {
        Path dir = new Path(evalDir);
        try {
            FileSystem fs = dir.getFileSystem(hadoop);
            if (!fs.mkdirs(dir)) {
                throw new IOException("cannot create " + dir);
            }
        } catch (IOException e) {
            throw new JobException("output " + evalDir + ": cannot write there (" + ErrorText.of(e) + ")", e);
        }
    }

    private static void write(String path, byte[] bytes, Configuration hadoop) {
        Path p = new Path(path);
        try (FSDataOutputStream out = p.getFileSystem(hadoop).create(p, true)) {
            out.write(bytes);
        } catch (IOException e) {
            throw new JobException("output " + path + ": cannot be written (" + ErrorText.of(e) + ")", e);
        }
    }

    private static String qualify(String location, Configuration hadoop) {
        try {
            Path p = new Path(location);
            String q = p.getFileSystem(hadoop).makeQualified(p).toString();
            return q.endsWith("/") ? q.substring(0, q.length() - 1) : q;
        } catch (IOException | IllegalArgumentException e) {
            throw new JobException(location + ": not a usable location (" + ErrorText.of(e) + ")", e);
        }
    }

    private static String seconds(Instant since) {
        return String.format(Locale.ROOT, "%.1f", Duration.between(since, Instant.now()).toMillis() / 1000.0);
    }

    private static boolean has(Dataset<Row> d, String column) {
        return Arrays.asList(d.columns()).contains(column);
    }

    private static scala.collection.immutable.Seq<String> toSeq(String... names) {
        return scala.jdk.javaapi.CollectionConverters.asScala(List.of(names)).toSeq();
    }

    static String sha256(java.nio.file.Path file) {
        try (var in = java.nio.file.Files.newInputStream(file)) {
            MessageDigest d = MessageDigest.getInstance("SHA-256");
            byte[] buf = new byte[1 << 20];
            for (int n; (n = in.read(buf)) > 0; ) {
                d.update(buf, 0, n);
            }
            return HexFormat.of().formatHex(d.digest());
        } catch (Exception e) {
            throw new JobException("fid_weights " + file + ": cannot be read (" + e.getMessage() + ")", e);
        }
    }
}
