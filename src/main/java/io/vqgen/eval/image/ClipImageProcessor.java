package io.vqgen.eval.image;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * transformers 4.30's {@code CLIPImageProcessor.preprocess} for one RGB image: resize so that the shortest side is
 * {@code size.shortest_edge} (the long side {@code int(edge · long / short)}) with Pillow's filter on the 8-bit
 * image, center crop ({@code top = (h − crop_h) // 2}, zero padding where the image is smaller), rescale by
 * {@code rescale_factor} (a float64 product stored as float32), normalise {@code (x − mean) / std} in float32.
 * Settings come from the model folder's {@code preprocessor_config.json}; absent keys take CLIPImageProcessor's
 * defaults (224, bicubic, OpenAI's mean and std).
 */
public record ClipImageProcessor(boolean doResize, int shortestEdge, PilFilter resample, boolean doCenterCrop,
                                 int cropHeight, int cropWidth, boolean doRescale, double rescaleFactor,
                                 boolean doNormalize, float[] mean, float[] std) {
    private static final float[] OPENAI_CLIP_MEAN = {0.48145466f, 0.4578275f, 0.40821073f};
    private static final float[] OPENAI_CLIP_STD = {0.26862954f, 0.26130258f, 0.27577711f};

    public ClipImageProcessor {
        if (doNormalize && !doRescale) {
            throw new IllegalArgumentException("do_normalize without do_rescale is not supported (it normalises 8-bit "
                    + "values in 8-bit arithmetic)");
        }
        if (mean.length != 3 || std.length != 3) {
            throw new IllegalArgumentException("image_mean and image_std must have 3 values (RGB)");
        }
    }

    public static ClipImageProcessor defaults() {
        return new ClipImageProcessor(true, 224, PilFilter.BICUBIC, true, 224, 224, true, 1 / 255.0, true,
                OPENAI_CLIP_MEAN, OPENAI_CLIP_STD);
    }

    /** @param config preprocessor_config.json, or null for the defaults */
    public static ClipImageProcessor fromJson(String source, JsonNode config) {
        ClipImageProcessor d = defaults();
        if (config == null) {
            return d;
        }
        String type = config.path("image_processor_type").asText(config.path("feature_extractor_type").asText(""));
        if (!type.isEmpty() && !type.equals("CLIPImageProcessor") && !type.equals("CLIPFeatureExtractor")) {
            throw new IllegalArgumentException(source + ": image processor '" + type + "' is not CLIPImageProcessor");
        }
        try {
            int[] crop = cropSize(config.get("crop_size"), d);
            return new ClipImageProcessor(flag(config, "do_resize", true), shortestEdge(config.get("size"), d),
                    PilFilter.ofCode(config.path("resample").asInt(PilFilter.BICUBIC.code())),
                    flag(config, "do_center_crop", true), crop[0], crop[1], flag(config, "do_rescale", true),
                    config.path("rescale_factor").asDouble(d.rescaleFactor()), flag(config, "do_normalize", true),
                    floats(config.get("image_mean"), d.mean()), floats(config.get("image_std"), d.std()));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(source + ": " + e.getMessage(), e);
        }
    }

    /**
     * The pixel values CLIPModel.get_image_features takes for one image.
     *
     * @return float32 channels-first [3][cropHeight][cropWidth], flattened
     */
    public float[] process(RgbImage image) {
        if (doResize) {
            int h = image.height();
            int w = image.width();
            int shortSide = Math.min(w, h);
            int longSide = Math.max(w, h);
            if (shortSide != shortestEdge) {
                int newLong = (int) ((double) ((long) shortestEdge * longSide) / shortSide);
                image = w <= h ? PilResize.resize(image, shortestEdge, newLong, resample)
                        : PilResize.resize(image, newLong, shortestEdge, resample);
            }
        }
        if (doCenterCrop) {
            image = centerCrop(image, cropHeight, cropWidth);
        }
        int n = image.width() * image.height();
        float[] out = new float[3 * n];
        byte[] p = image.pixels();
        for (int i = 0; i < n; i++) {
            for (int c = 0; c < 3; c++) {
                float v = p[i * 3 + c] & 0xFF;
                if (doRescale) {
                    v = (float) (v * rescaleFactor);
                }
                if (doNormalize) {
                    v = (v - mean[c]) / std[c];
                }
                out[c * n + i] = v;
            }
        }
        return out;
    }

    /** transformers' center_crop: floor-divided offsets; where the image is smaller, zero padding centred the same way. */
    static RgbImage centerCrop(RgbImage image, int cropH, int cropW) {
        int h = image.height();
        int w = image.width();
        int top = Math.floorDiv(h - cropH, 2);
        int left = Math.floorDiv(w - cropW, 2);
        if (top >= 0 && left >= 0 && top + cropH <= h && left + cropW <= w) {
            return image.crop(left, top, cropW, cropH);
        }
        int newH = Math.max(cropH, h);
        int newW = Math.max(cropW, w);
        int topPad = (newH - h) / 2;
        int leftPad = (newW - w) / 2;
        byte[] padded = new byte[newH * newW * 3];
        for (int y = 0; y < h; y++) {
            System.arraycopy(image.pixels(), y * w * 3, padded, ((y + topPad) * newW + leftPad) * 3, w * 3);
        }
        int t = Math.max(0, top + topPad);
        int l = Math.max(0, left + leftPad);
        int b = Math.min(newH, top + topPad + cropH);
        int r = Math.min(newW, left + leftPad + cropW);
        return new RgbImage(newW, newH, padded).crop(l, t, r - l, b - t);
    }


    private static boolean flag(JsonNode config, String key, boolean fallback) {
        JsonNode v = config.get(key);
        if (v == null || v.isNull()) {
            return fallback;
        }
        if (!v.isBoolean()) {
            throw new IllegalArgumentException("'" + key + "' must be true or false, found " + v);
        }
        return v.asBoolean();
    }

    private static int shortestEdge(JsonNode size, ClipImageProcessor d) {
        if (size == null || size.isNull()) {
            return d.shortestEdge();
        }
        if (size.isInt()) {
            return positive(size, "size");
        }
        if (size.has("shortest_edge")) {
            return positive(size.get("shortest_edge"), "size.shortest_edge");
        }
        throw new IllegalArgumentException("'size' must be an integer or {\"shortest_edge\": N} (CLIPImageProcessor "
                + "resizes the shortest side), found " + size);
    }

    private static int[] cropSize(JsonNode crop, ClipImageProcessor d) {
        if (crop == null || crop.isNull()) {
            return new int[] {d.cropHeight(), d.cropWidth()};
        }
        if (crop.isInt()) {
            int c = positive(crop, "crop_size");
            return new int[] {c, c};
        }
        if (crop.has("height") && crop.has("width")) {
            return new int[] {positive(crop.get("height"), "crop_size.height"), positive(crop.get("width"), "crop_size.width")};
        }
        throw new IllegalArgumentException("'crop_size' must be an integer or {\"height\": H, \"width\": W}, found " + crop);
    }

    private static int positive(JsonNode v, String key) {
        if (!v.isInt() || v.asInt() < 1) {
            throw new IllegalArgumentException("'" + key + "' must be a positive integer, found " + v);
        }
        return v.asInt();
    }

    private static float[] floats(JsonNode v, float[] fallback) {
        if (v == null || v.isNull()) {
            return fallback;
        }
        if (!v.isArray() || v.size() != 3) {
            throw new IllegalArgumentException("image_mean / image_std must be lists of 3 numbers, found " + v);
        }
        float[] out = new float[3];
        for (int i = 0; i < 3; i++) {
            out[i] = (float) v.get(i).asDouble();
        }
        return out;
    }
}
