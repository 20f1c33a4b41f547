package io.vqgen.job;

import io.vqgen.pipeline.GeneratedImage;
import io.vqgen.pipeline.SamplingOptions;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;

import java.util.Arrays;

/**
 * One manifest row (see {@link ManifestSchema}). Three kinds: an image made and stored ({@code ok}); an image
 * that could not be made or stored ({@code error}, with its index, seed and sampler); a row rejected before
 * generation ({@code error}, image index, seed and sampler null, because none of them was decided).
 */
record ManifestRecord(String id, Integer imageIndex, String prompt, Long seed, int[] tokens, Integer tokenHeight,
                      Integer tokenWidth, String imageUri, Integer width, Integer height, String model,
                      String modelFingerprint, String sampler, Integer steps, Double guidanceScale,
                      Double truncationRate, String noise, String status, String error, Long elapsedMs, byte[] png) {

    static ManifestRecord rejected(PlannedRow row, String model, String error) {
        return new ManifestRecord(row.id(), null, row.prompt(), null, null, null, null, null, null, null, model, null,
                null, null, null, null, null, ManifestSchema.ERROR, error, null, null);
    }

    static ManifestRecord failed(ImageTask task, String model, String fingerprint, String error, long elapsedMs) {
        SamplingOptions s = task.item().sampling();
        return new ManifestRecord(task.item().id(), task.index(), task.item().prompt(), task.seed(), null, null, null,
                null, null, null, model, fingerprint, s.samplerName(), s.steps(), s.guidanceScale(), s.truncationRate(),
                s.noise().label(), ManifestSchema.ERROR, error, elapsedMs, null);
    }

    static ManifestRecord stored(ImageTask task, GeneratedImage image, String uri, String model, String fingerprint,
                                 long elapsedMs, byte[] inlinePng) {
        SamplingOptions s = task.item().sampling();
        return new ManifestRecord(task.item().id(), task.index(), task.item().prompt(), task.seed(), image.tokens(),
                image.tokenHeight(), image.tokenWidth(), uri, image.width(), image.height(), model, fingerprint,
                s.samplerName(), s.steps(), s.guidanceScale(), s.truncationRate(), s.noise().label(), ManifestSchema.OK,
                null, elapsedMs, inlinePng);
    }

    boolean ok() {
        return ManifestSchema.OK.equals(status);
    }

    Row toRow(boolean inlineImages) {
        Object[] v = {id, imageIndex, prompt, seed, tokens, tokenHeight, tokenWidth, imageUri, width, height, model,
                modelFingerprint, sampler, steps, guidanceScale, truncationRate, noise, status, error, elapsedMs};
        if (inlineImages) {
            Object[] w = Arrays.copyOf(v, v.length + 1);
            w[v.length] = png;
            return RowFactory.create(w);
        }
        return RowFactory.create(v);
    }
}
