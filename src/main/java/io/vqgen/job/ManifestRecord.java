package io.vqgen.job;

import io.vqgen.pipeline.GenerationSetting;
import io.vqgen.pipeline.GeneratedImage;
import io.vqgen.pipeline.SamplingOptions;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;

import java.util.ArrayList;
import java.util.List;

/**
 * One manifest row (see {@link ManifestSchema}). Three kinds: an image made and stored ({@code ok}); an image
 * that could not be made or stored ({@code error}, with its index, seed, sampler and settings); a row rejected before
 * generation ({@code error}, image index, seed, sampler and settings null, because none of them was decided).
 */
record ManifestRecord(String id, Integer imageIndex, String prompt, Integer classLabel, Long seed, int[] tokens,
                      Integer tokenHeight, Integer tokenWidth, ImageStorage.Location location, Integer imageBytes,
                      Integer width, Integer height, String model, String modelFingerprint, String sampler,
                      SamplingOptions sampling, String status, String error, Long elapsedMs,
                      java.sql.Timestamp createdAt, byte[] png) {
    private static final ImageStorage.Location NOWHERE = new ImageStorage.Location(null, null, null, null, null);

    static ManifestRecord rejected(PlannedRow row, String model, String error) {
        Long label = row.classLabel();
        Integer fits = label != null && label == label.intValue() ? label.intValue() : null;
        return new ManifestRecord(row.id(), null, row.prompt(), fits, null, null, null, null, NOWHERE, null, null, null,
                model, null, null, null, ManifestSchema.ERROR, error, null, now(), null);
    }

    static ManifestRecord failed(ImageTask task, String model, String fingerprint, String sampler, String error,
                                 long elapsedMs) {
        return new ManifestRecord(task.item().id(), task.index(), task.item().prompt(), task.item().classLabel(),
                task.seed(), null, null, null, NOWHERE, null, null, null, model, fingerprint, sampler,
                task.item().sampling(), ManifestSchema.ERROR, error, elapsedMs, now(), null);
    }

    /** @param inlinePng the PNG for the inline image column, or null when the job does not inline images */
    static ManifestRecord stored(ImageTask task, GeneratedImage image, ImageStorage.Location location, int pngBytes,
                                 String model, String fingerprint, String sampler, long elapsedMs, byte[] inlinePng) {
        return new ManifestRecord(task.item().id(), task.index(), task.item().prompt(), task.item().classLabel(),
                task.seed(), image.tokens(), image.tokenHeight(), image.tokenWidth(), location, pngBytes, image.width(),
                image.height(), model, fingerprint, sampler, task.item().sampling(), ManifestSchema.OK, null, elapsedMs,
                now(), inlinePng);
    }

    private static java.sql.Timestamp now() {
        return new java.sql.Timestamp(System.currentTimeMillis());
    }

    boolean ok() {
        return ManifestSchema.OK.equals(status);
    }

    /** @param taskAttempt the Spark task attempt that writes the row (see {@link ManifestSchema}) */
    Row toRow(boolean inlineImages, long taskAttempt) {
        List<Object> v = new ArrayList<>();
        v.add(id);
        v.add(imageIndex);
        v.add(prompt);
        v.add(classLabel);
        v.add(seed);
        v.add(tokens);
        v.add(tokenHeight);
        v.add(tokenWidth);
        v.add(location.uri());
        v.add(location.fileName());
        v.add(location.member());
        v.add(location.offset());
        v.add(imageBytes);
        v.add(width);
        v.add(height);
        v.add(model);
        v.add(modelFingerprint);
        v.add(sampler);
        for (GenerationSetting setting : GenerationSetting.sampling()) {
            v.add(sampling == null ? null : ManifestSchema.columnValue(sampling.get(setting)));
        }
        v.add(status);
        v.add(error);
        v.add(elapsedMs);
        v.add(taskAttempt);
        v.add(createdAt);
        if (inlineImages) {
            v.add(png == null ? null : RowFactory.create(png, location.path()));
        }
        return RowFactory.create(v.toArray());
    }
}
