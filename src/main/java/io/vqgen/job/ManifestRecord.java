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
record ManifestRecord(String id, Integer imageIndex, String prompt, Long seed, int[] tokens, Integer tokenHeight,
                      Integer tokenWidth, String imageUri, Integer width, Integer height, String model,
                      String modelFingerprint, String sampler, SamplingOptions sampling, String status, String error,
                      Long elapsedMs, java.sql.Timestamp createdAt, byte[] png) {

    static ManifestRecord rejected(PlannedRow row, String model, String error) {
        return new ManifestRecord(row.id(), null, row.prompt(), null, null, null, null, null, null, null, model, null,
                null, null, ManifestSchema.ERROR, error, null, now(), null);
    }

    static ManifestRecord failed(ImageTask task, String model, String fingerprint, String sampler, String error,
                                 long elapsedMs) {
        return new ManifestRecord(task.item().id(), task.index(), task.item().prompt(), task.seed(), null, null, null,
                null, null, null, model, fingerprint, sampler, task.item().sampling(), ManifestSchema.ERROR, error,
                elapsedMs, now(), null);
    }

    static ManifestRecord stored(ImageTask task, GeneratedImage image, String uri, String model, String fingerprint,
                                 String sampler, long elapsedMs, byte[] inlinePng) {
        return new ManifestRecord(task.item().id(), task.index(), task.item().prompt(), task.seed(), image.tokens(),
                image.tokenHeight(), image.tokenWidth(), uri, image.width(), image.height(), model, fingerprint,
                sampler, task.item().sampling(), ManifestSchema.OK, null, elapsedMs, now(), inlinePng);
    }

    private static java.sql.Timestamp now() {
        return new java.sql.Timestamp(System.currentTimeMillis());
    }

    boolean ok() {
        return ManifestSchema.OK.equals(status);
    }

    Row toRow(boolean inlineImages) {
        List<Object> v = new ArrayList<>();
        v.add(id);
        v.add(imageIndex);
        v.add(prompt);
        v.add(seed);
        v.add(tokens);
        v.add(tokenHeight);
        v.add(tokenWidth);
        v.add(imageUri);
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
        v.add(createdAt);
        if (inlineImages) {
            v.add(png);
        }
        return RowFactory.create(v.toArray());
    }
}
