package io.vqgen.job;

import io.vqgen.eval.image.ImageDecoder;
import io.vqgen.eval.image.RgbImage;
import org.apache.hadoop.fs.FSDataInputStream;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.api.java.function.MapPartitionsFunction;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.apache.spark.util.SerializableConfiguration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;

/**
 * Scores one partition of images in an executor: reads each image (the row's bytes, else its URI through Hadoop's
 * file systems), decodes it, and runs the JVM's cached {@link Evaluator} on batches: CLIP scores for generated
 * images with their prompts, pool3 features for FID. An image that cannot be read or decoded becomes an
 * {@code error} row saying why; it is counted, never dropped.
 */
final class EvalTask implements MapPartitionsFunction<Row, Row> {
    private static final long serialVersionUID = 1L;
    private static final Logger LOG = LoggerFactory.getLogger(EvalTask.class);

    /** Columns the task reads (the driver selects them; image may be null, prompt and image_id too). */
    static final StructType INPUT = new StructType()
            .add("id", DataTypes.StringType)
            .add("image_index", DataTypes.IntegerType)
            .add("prompt", DataTypes.StringType)
            .add("image_id", DataTypes.StringType)
            .add("image_uri", DataTypes.StringType)
            .add("image", DataTypes.BinaryType);

    /** Columns it writes: per image, its score, features for FID (not written to the per-image table). */
    static final StructType OUTPUT = new StructType()
            .add("id", DataTypes.StringType)
            .add("image_index", DataTypes.IntegerType)
            .add("prompt", DataTypes.StringType)
            .add("image_id", DataTypes.StringType)
            .add("image_uri", DataTypes.StringType)
            .add("status", DataTypes.StringType, false)
            .add("error", DataTypes.StringType)
            .add("clip_score", DataTypes.FloatType)
            .add("features", DataTypes.createArrayType(DataTypes.FloatType, false));

    private final EvalConfig config;
    private final boolean scoreClip;
    private final Broadcast<SerializableConfiguration> conf;

    /** @param scoreClip CLIP scores (generated images); false: FID features only (reference images) */
    EvalTask(EvalConfig config, boolean scoreClip, Broadcast<SerializableConfiguration> conf) {
        this.config = config;
        this.scoreClip = scoreClip;
        this.conf = conf;
    }

    @Override
    public Iterator<Row> call(Iterator<Row> rows) {
        String device = DeviceChoice.forTask(config.device()).used();
        Evaluator evaluator = EvaluatorCache.get(scoreClip && config.clip() ? config.clipModel() : "",
                config.fid() ? config.fidWeights() : "", config.fidResize(), device);
        List<Row> out = new ArrayList<>();
        List<Row> batch = new ArrayList<>();
        while (rows.hasNext()) {
            batch.add(rows.next());
            if (batch.size() == config.batchSize() || !rows.hasNext()) {
                evaluate(evaluator, batch, out);
                batch.clear();
            }
        }
        return out.iterator();
    }

    private void evaluate(Evaluator evaluator, List<Row> batch, List<Row> out) {
        List<Row> good = new ArrayList<>();
        List<RgbImage> images = new ArrayList<>();
        List<String> prompts = new ArrayList<>();
        for (Row r : batch) {
            try {
                images.add(ImageDecoder.decode(bytes(r), r.getString(4)));
                prompts.add(r.isNullAt(2) ? "" : r.getString(2));
                good.add(r);
            } catch (RuntimeException | IOException e) {
                LOG.warn("image {} (id {}, index {}) skipped: {}", r.getString(4), r.getString(0), r.get(1),
                        ErrorText.of(e));
                out.add(row(r, "error", ErrorText.of(e), null, null));
            }
        }
        if (good.isEmpty()) {
            return;
        }
        float[] scores = scoreClip && evaluator.hasClip() ? evaluator.clipScores(images, prompts) : null;
        float[][] features = evaluator.hasFid() ? evaluator.fidFeatures(images) : null;
        for (int i = 0; i < good.size(); i++) {
            out.add(row(good.get(i), "ok", null, scores == null ? null : scores[i], features == null ? null : features[i]));
        }
    }

    private byte[] bytes(Row r) throws IOException {
        if (!r.isNullAt(5)) {
            return (byte[]) r.get(5);
        }
        if (r.isNullAt(4)) {
            throw new IOException("the row has neither image bytes nor an image URI");
        }
        Path path = new Path(r.getString(4));
        FileSystem fs = path.getFileSystem(conf.value().value());
        try (FSDataInputStream in = fs.open(path)) {
            return in.readAllBytes();
        } catch (java.io.FileNotFoundException e) {
            throw new IOException(path + ": image not found", e);
        }
    }

    private static Row row(Row in, String status, String error, Float score, float[] features) {
        return RowFactory.create(in.getString(0), in.isNullAt(1) ? null : in.getInt(1), in.getString(2),
                in.getString(3), in.getString(4), status, error, score, features);
    }
}
