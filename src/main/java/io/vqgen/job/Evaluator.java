package io.vqgen.job;

import ai.djl.Device;
import ai.djl.ndarray.NDManager;
import io.vqgen.eval.ClipScorer;
import io.vqgen.eval.FidFeatures;
import io.vqgen.eval.FidResize;
import io.vqgen.eval.image.RgbImage;
import io.vqgen.model.inception.FidInception;
import io.vqgen.weights.LoadOptions;
import io.vqgen.weights.TransformersFolder;
import ai.djl.ndarray.types.DataType;

import java.nio.file.Path;
import java.util.List;

/** The evaluation networks one executor JVM holds: CLIP (scores) and the FID Inception (pool3 features), as configured. */
final class Evaluator implements AutoCloseable {
    private final NDManager manager;
    private final ClipScorer clip;
    private final FidFeatures fid;

    private Evaluator(NDManager manager, ClipScorer clip, FidFeatures fid) {
        this.manager = manager;
        this.clip = clip;
        this.fid = fid;
    }

    /** @param clipModel a CLIPModel folder, or empty for none; @param fidWeights the FID weights file, or empty */
    static Evaluator load(String clipModel, String fidWeights, FidResize resize, Device device) {
        NDManager manager = NDManager.newBaseManager(device);
        ClipScorer clip = null;
        try {
            if (!clipModel.isEmpty()) {
                clip = ClipScorer.load(TransformersFolder.open(Path.of(clipModel), "a transformers CLIPModel folder"),
                        new LoadOptions(DataType.FLOAT32, device), manager);
            }
            FidFeatures fid = fidWeights.isEmpty() ? null
                    : new FidFeatures(FidInception.load(Path.of(fidWeights), device, manager), resize, manager);
            return new Evaluator(manager, clip, fid);
        } catch (RuntimeException e) {
            if (clip != null) {
                clip.close();
            }
            manager.close();
            throw e;
        }
    }

    boolean hasClip() {
        return clip != null;
    }

    boolean hasFid() {
        return fid != null;
    }

    float[] clipScores(List<RgbImage> images, List<String> prompts) {
        return clip.scores(images, prompts);
    }

    float[][] fidFeatures(List<RgbImage> images) {
        return fid.features(images);
    }

    @Override
    public void close() {
        if (clip != null) {
            clip.close();
        }
        if (fid != null) {
            fid.close();
        }
        manager.close();
    }
}
