package io.vqgen.eval;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import io.vqgen.eval.image.ClipImageProcessor;
import io.vqgen.eval.image.RgbImage;
import io.vqgen.model.ClipModel;
import io.vqgen.text.ClipTokenizer;
import io.vqgen.weights.LoadOptions;
import io.vqgen.weights.TransformersFolder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.Arrays;
import java.util.List;

/**
 * CLIP score as torchmetrics 1.3 computes it per (image, caption) pair: {@code CLIPProcessor} (the folder's
 * tokenizer, padded; its image processor), {@code get_image_features} and {@code get_text_features}, each
 * L2-normalised, then 100·cos. A caption longer than the text tower's positions is cut to them, as torchmetrics
 * does (with a warning): it then has no end-of-text token, and transformers 4.30 pools at its largest id.
 * The metric itself (mean over pairs, clamped at 0) is {@link ClipScoreSummary}'s.
 */
public final class ClipScorer implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(ClipScorer.class);

    private final ClipModel model;
    private final ClipTokenizer tokenizer;
    private final ClipImageProcessor processor;
    private final NDManager manager;

    public ClipScorer(ClipModel model, ClipTokenizer tokenizer, ClipImageProcessor processor, NDManager manager) {
        int crop = model.config().vision().imageSize();
        if (!processor.doCenterCrop() || processor.cropHeight() != crop || processor.cropWidth() != crop) {
            throw new IllegalArgumentException("the image processor makes " + processor.cropWidth() + "x"
                    + processor.cropHeight() + " images (center crop " + processor.doCenterCrop()
                    + "), but the vision tower takes " + crop + "x" + crop);
        }
        this.model = model;
        this.tokenizer = tokenizer;
        this.processor = processor;
        this.manager = manager;
    }

    /** Loads a transformers CLIPModel folder: config.json, weights, tokenizer files, preprocessor_config.json. */
    public static ClipScorer load(TransformersFolder folder, LoadOptions options, NDManager manager) {
        ClipImageProcessor processor = ClipImageProcessor.fromJson(folder.dir() + "/preprocessor_config.json",
                folder.optionalJson("preprocessor_config.json"));
        ClipTokenizer tokenizer = ClipTokenizer.load(folder.dir());
        ClipModel model = ClipModel.load(folder, options, manager);
        try {
            return new ClipScorer(model, tokenizer, processor, manager);
        } catch (RuntimeException e) {
            model.close();
            throw e;
        }
    }

    /** The ids the text tower sees for a caption: bos, tokens, eos, cut to its positions. */
    public int[] ids(String caption) {
        int[] ids = tokenizer.encode(caption);
        int max = model.config().text().maxPositionEmbeddings();
        if (ids.length > max) {
            LOG.warn("caption of {} tokens cut to the text tower's {} positions, as torchmetrics does: '{}'",
                    ids.length, max, caption.length() > 80 ? caption.substring(0, 80) + "…" : caption);
            ids = Arrays.copyOf(ids, max);
        }
        return ids;
    }

    /** Per pair 100·cos(image embedding, caption embedding), in float32 as torchmetrics computes it. */
    public float[] scores(List<RgbImage> images, List<String> captions) {
        if (images.size() != captions.size() || images.isEmpty()) {
            throw new IllegalArgumentException("expected as many captions as images (at least one), got "
                    + captions.size() + " and " + images.size());
        }
        try (NDManager work = manager.newSubManager(model.device())) {
            NDArray image = normalized(model.imageFeatures(pixels(work, images)));
            NDArray text = normalized(textFeatures(work, captions));
            return image.mul(text).sum(new int[] {-1}).mul(100f).toFloatArray();
        }
    }

    /** L2-normalised image embeddings [B, projection] (the vision side of a score), as float arrays. */
    public float[][] imageEmbeddings(List<RgbImage> images) {
        try (NDManager work = manager.newSubManager(model.device())) {
            return rows(normalized(model.imageFeatures(pixels(work, images))));
        }
    }

    /** L2-normalised caption embeddings [B, projection]. */
    public float[][] textEmbeddings(List<String> captions) {
        try (NDManager work = manager.newSubManager(model.device())) {
            return rows(normalized(textFeatures(work, captions)));
        }
    }

    /** {@code CLIPModel.get_image_features} of processed pixels [B, 3, S, S] (not normalised). */
    public NDArray imageFeatures(NDArray pixels) {
        return model.imageFeatures(pixels);
    }

    public NDArray pixels(NDManager work, List<RgbImage> images) {
        int s = processor.cropHeight();
        float[] all = new float[images.size() * 3 * s * s];
        for (int i = 0; i < images.size(); i++) {
            float[] one = processor.process(images.get(i));
            System.arraycopy(one, 0, all, i * one.length, one.length);
        }
        return work.create(all, new Shape(images.size(), 3, s, s));
    }

    /** {@code CLIPModel.get_text_features} of captions (not normalised), rows padded with eos to the longest. */
    public NDArray textFeatures(NDManager work, List<String> captions) {
        int[][] ids = new int[captions.size()][];
        int longest = 0;
        for (int i = 0; i < ids.length; i++) {
            ids[i] = ids(captions.get(i));
            longest = Math.max(longest, ids[i].length);
        }
        long[] flat = new long[ids.length * longest];
        int[] positions = new int[ids.length];
        for (int i = 0; i < ids.length; i++) {
            Arrays.fill(flat, i * longest, (i + 1) * longest, tokenizer.eosId());
            for (int j = 0; j < ids[i].length; j++) {
                flat[i * longest + j] = ids[i][j];
            }
            positions[i] = ClipModel.poolPosition(ids[i]);
        }
        return model.textFeatures(work.create(flat, new Shape(ids.length, longest)), positions);
    }

    private static NDArray normalized(NDArray x) {
        return x.div(x.norm(new int[] {-1}, true));
    }

    private static float[][] rows(NDArray x) {
        int b = (int) x.getShape().get(0);
        int d = (int) x.getShape().get(1);
        float[] flat = x.toType(DataType.FLOAT32, false).toFloatArray();
        float[][] out = new float[b][d];
        for (int i = 0; i < b; i++) {
            System.arraycopy(flat, i * d, out[i], 0, d);
        }
        return out;
    }

    public ClipModel model() {
        return model;
    }

    @Override
    public void close() {
        model.close();
    }
}
