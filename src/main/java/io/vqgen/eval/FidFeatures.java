package io.vqgen.eval;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import io.vqgen.eval.image.RgbImage;
import io.vqgen.model.inception.FidInception;

import java.util.List;

/** pool3 features of images for FID: the FID Inception on inputs made by one {@link FidResize} convention. */
public final class FidFeatures implements AutoCloseable {
    private final FidInception network;
    private final FidResize resize;
    private final NDManager manager;

    public FidFeatures(FidInception network, FidResize resize, NDManager manager) {
        this.network = network;
        this.resize = resize;
        this.manager = manager;
    }

    /** @return [images][2048] float32 features */
    public float[][] features(List<RgbImage> images) {
        try (NDManager work = manager.newSubManager(network.device())) {
            NDArray f = network.pool3(resize.inputs(work, images));
            float[] flat = f.toFloatArray();
            float[][] out = new float[images.size()][FidInception.FEATURES];
            for (int i = 0; i < out.length; i++) {
                System.arraycopy(flat, i * FidInception.FEATURES, out[i], 0, FidInception.FEATURES);
            }
            return out;
        }
    }

    public FidResize resize() {
        return resize;
    }

    @Override
    public void close() {
        network.close();
    }
}
