package io.vqgen.model.inception;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import io.vqgen.model.ModelException;
import io.vqgen.weights.LoadOptions;
import io.vqgen.model.layers.Parameters;
import io.vqgen.weights.StateDict;
import io.vqgen.weights.TensorFile;
import io.vqgen.weights.WeightInit;

import java.nio.file.Path;

/**
 * The FID Inception network up to its pool3 features, as pytorch-fid's {@code InceptionV3([3])} builds it from
 * {@code pt_inception-2015-12-05-*.pth} (TensorFlow's 2015 Inception v3 ported to torchvision's layout): the stem
 * convolutions and max pools, Mixed_5b…7c with pytorch-fid's FID variants of blocks A, C and E, and the global
 * average pool → 2048 features. Inputs are expected resized to 299x299 and scaled to [-1, 1] (see the FID input
 * conventions in {@code io.vqgen.eval}). The file's classifier ({@code fc}, 1008 classes) is checked and unused.
 * Always float32: FID compares statistics of many images, and half precision would change them.
 */
public final class FidInception implements AutoCloseable {
    public static final int FEATURES = 2048;
    public static final int INPUT_SIZE = 299;
    /** The TensorFlow graph's classes (1000 ImageNet classes and 8 unused). */
    static final int CLASSES = 1008;

    private final NDManager manager;
    private final BasicConv2d conv1a;
    private final BasicConv2d conv2a;
    private final BasicConv2d conv2b;
    private final BasicConv2d conv3b;
    private final BasicConv2d conv4a;
    private final InceptionA mixed5b;
    private final InceptionA mixed5c;
    private final InceptionA mixed5d;
    private final InceptionB mixed6a;
    private final InceptionC mixed6b;
    private final InceptionC mixed6c;
    private final InceptionC mixed6d;
    private final InceptionC mixed6e;
    private final InceptionD mixed7a;
    private final InceptionE mixed7b;
    private final InceptionE mixed7c;

    private FidInception(StateDict w, NDManager m) {
        manager = m;
        Parameters p = Parameters.of(w, m);
        conv1a = BasicConv2d.load(p, "Conv2d_1a_3x3", 3, 32, 3, 2, 0);
        conv2a = BasicConv2d.load(p, "Conv2d_2a_3x3", 32, 32, 3, 1, 0);
        conv2b = BasicConv2d.load(p, "Conv2d_2b_3x3", 32, 64, 3, 1, 1);
        conv3b = BasicConv2d.load(p, "Conv2d_3b_1x1", 64, 80, 1, 1, 0);
        conv4a = BasicConv2d.load(p, "Conv2d_4a_3x3", 80, 192, 3, 1, 0);
        mixed5b = new InceptionA(p, "Mixed_5b", 192, 32);
        mixed5c = new InceptionA(p, "Mixed_5c", 256, 64);
        mixed5d = new InceptionA(p, "Mixed_5d", 288, 64);
        mixed6a = new InceptionB(p, "Mixed_6a", 288);
        mixed6b = new InceptionC(p, "Mixed_6b", 768, 128);
        mixed6c = new InceptionC(p, "Mixed_6c", 768, 160);
        mixed6d = new InceptionC(p, "Mixed_6d", 768, 160);
        mixed6e = new InceptionC(p, "Mixed_6e", 768, 192);
        mixed7a = new InceptionD(p, "Mixed_7a", 768);
        mixed7b = new InceptionE(p, "Mixed_7b", 1280, false);
        mixed7c = new InceptionE(p, "Mixed_7c", FEATURES, true);
        w.raw("fc.weight", CLASSES, FEATURES);
        w.raw("fc.bias", CLASSES);
        w.checkAllTaken();
    }

    /** Loads pytorch-fid's weights file ({@code .pth}, legacy or zip torch.save format, or a {@code .safetensors}). */
    public static FidInception load(Path weightsFile, Device device, NDManager manager) {
        LoadOptions options = new LoadOptions(DataType.FLOAT32, device);
        try (TensorFile file = TensorFile.open(weightsFile)) {
            return create(new StateDict("FID Inception " + weightsFile.getFileName(), file.tensors(), options), manager);
        }
    }

    public static FidInception create(StateDict weights, NDManager manager) {
        if (weights.options().floatType() != DataType.FLOAT32) {
            throw new ModelException("FID Inception runs in float32 only, not " + weights.options().floatType());
        }
        NDManager own = manager.newSubManager(weights.options().device());
        try {
            return new FidInception(weights, own);
        } catch (RuntimeException e) {
            own.close();
            throw e;
        }
    }

    /**
     * Seeded random weights of the real layout (for {@code init-model --preset fid-inception}): convolutions
     * He-initialised (N(0, 2/fan_in), so that activations keep their scale through 94 ReLU layers), batch-norm
     * scales in [0.8, 1.2), shifts and running means N(0, 0.1²), running variances in [0.5, 1.5), the classifier
     * N(0, 1/2048) with zero bias.
     */
    public static final WeightInit.Rule RANDOM_INIT = (name, shape) -> {
        if (name.endsWith(".bn.weight")) {
            return new WeightInit.Uniform(0.8, 1.2);
        }
        if (name.endsWith(".bn.bias") || name.endsWith(".bn.running_mean")) {
            return new WeightInit.Normal(0.1);
        }
        if (name.endsWith(".bn.running_var")) {
            return new WeightInit.Uniform(0.5, 1.5);
        }
        if (name.equals("fc.bias")) {
            return new WeightInit.Constant(0f);
        }
        long fanIn = WeightInit.fanIn(shape);
        return new WeightInit.Normal(Math.sqrt((name.equals("fc.weight") ? 1.0 : 2.0) / fanIn));
    };

    /**
     * pool3 features: {@code InceptionV3([3], resize_input=False, normalize_input=False)(x)[0]} flattened.
     *
     * @param x float32 [B, 3, H, W] scaled to [-1, 1] (299x299 for FID)
     * @return float32 [B, 2048], owned by x's manager
     */
    public NDArray pool3(NDArray x) {
        Shape s = x.getShape();
        if (s.dimension() != 4 || s.get(1) != 3 || s.get(2) < 75 || s.get(3) < 75 || x.getDataType() != DataType.FLOAT32) {
            throw new ModelException("FID Inception: input must be float32 [batch, 3, H, W] with H, W ≥ 75 (299 for "
                    + "FID), got " + x.getDataType() + " " + s);
        }
        if (!x.getDevice().equals(device())) {
            throw new ModelException("FID Inception: input is on " + x.getDevice() + " but the network is on " + device());
        }
        NDManager caller = x.getManager();
        try (NDManager work = manager.newSubManager()) {
            x.tempAttach(work);
            NDArray y = conv2b.forward(conv2a.forward(conv1a.forward(x)));
            y = Pooling.max3(y, 2, 0);
            y = Pooling.max3(conv4a.forward(conv3b.forward(y)), 2, 0);
            y = mixed5d.forward(mixed5c.forward(mixed5b.forward(y)));
            y = mixed6e.forward(mixed6d.forward(mixed6c.forward(mixed6b.forward(mixed6a.forward(y)))));
            y = mixed7c.forward(mixed7b.forward(mixed7a.forward(y)));
            // AdaptiveAvgPool2d((1, 1)), as pytorch-fid ends block 3
            NDArray features = y.getNDArrayInternal().globalAvgPool().reshape(y.getShape().get(0), FEATURES);
            features.attach(caller);
            return features;
        }
    }

    public Device device() {
        return manager.getDevice();
    }

    @Override
    public void close() {
        manager.close();
    }
}
