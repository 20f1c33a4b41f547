package io.vqgen.eval;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import io.vqgen.eval.image.PilFilter;
import io.vqgen.eval.image.PilResize;
import io.vqgen.eval.image.RgbImage;
import io.vqgen.model.inception.FidInception;
import io.vqgen.model.layers.BilinearResize;

import java.nio.ByteBuffer;
import java.util.List;
import java.util.Locale;

/**
 * How an image becomes the FID Inception's 299x299 input in [-1, 1]. The two conventions in use give different FIDs
 * for the same images (clean-fid's paper measures the gap); a report states which one it used.
 */
public enum FidResize {
    /**
     * pytorch-fid 0.3 ({@code InceptionV3(resize_input=True, normalize_input=True)} on {@code ToTensor()} images):
     * x/255 in float32, torch's bilinear interpolation to 299x299 ({@code align_corners=False}, no antialiasing),
     * then 2x − 1.
     */
    PYTORCH_FID("pytorch-fid") {
        @Override
        NDArray input(NDManager manager, RgbImage image) {
            NDArray x = manager.create(ByteBuffer.wrap(image.pixels()), new Shape(image.height(), image.width(), 3),
                    DataType.UINT8).toType(DataType.FLOAT32, false).div(255f).transpose(2, 0, 1).expandDims(0);
            NDArray resized = BilinearResize.resize(x, SIZE, SIZE);
            return resized.mul(2f).sub(1f);
        }
    },
    /**
     * clean-fid ({@code mode="clean"}): each channel resized as a float image by Pillow's bicubic filter (with its
     * antialiasing) to 299x299, clipped to [0, 255], then (x − 128)/128 as clean-fid feeds its Inception.
     */
    CLEAN("clean") {
        @Override
        NDArray input(NDManager manager, RgbImage image) {
            int n = image.width() * image.height();
            float[] out = new float[3 * SIZE * SIZE];
            byte[] p = image.pixels();
            for (int c = 0; c < 3; c++) {
                float[] plane = new float[n];
                for (int i = 0; i < n; i++) {
                    plane[i] = p[i * 3 + c] & 0xFF;
                }
                float[] r = PilResize.resize(plane, image.width(), image.height(), SIZE, SIZE, PilFilter.BICUBIC);
                for (int i = 0; i < r.length; i++) {
                    float v = Math.min(Math.max(r[i], 0f), 255f);
                    out[c * SIZE * SIZE + i] = (v - 128f) / 128f;
                }
            }
            return manager.create(out, new Shape(1, 3, SIZE, SIZE));
        }
    };

    private static final int SIZE = FidInception.INPUT_SIZE;

    private final String label;

    FidResize(String label) {
        this.label = label;
    }

    /** One image as [1, 3, 299, 299] float32 in [-1, 1], allocated in {@code manager}. */
    abstract NDArray input(NDManager manager, RgbImage image);

    /** A batch as [B, 3, 299, 299]; images may differ in size. */
    public NDArray inputs(NDManager manager, List<RgbImage> images) {
        NDList list = new NDList();
        for (RgbImage image : images) {
            list.add(input(manager, image));
        }
        return list.size() == 1 ? list.get(0) : NDArrays.concat(list, 0);
    }

    public String label() {
        return label;
    }

    public static FidResize parse(String s) {
        for (FidResize r : values()) {
            if (r.label.equals(s.toLowerCase(Locale.ROOT))) {
                return r;
            }
        }
        throw new IllegalArgumentException("unknown FID resize convention '" + s + "' (expected pytorch-fid or clean)");
    }
}
