package io.vqgen.model.vq;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import io.vqgen.Reference;
import io.vqgen.model.vq.VqConfig.NormType;
import io.vqgen.weights.LoadOptions;
import io.vqgen.weights.ModelFolder;
import io.vqgen.weights.StateDict;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The image → token direction, for which upstream produced no golden: checked against an independent
 * plain-Java float64 evaluation ({@link Float64Encoder}) and against the codebook itself.
 */
class VqModelEncoderTest {
    private static ModelFolder folder;
    private static VqConfig config;

    @BeforeAll
    static void open() {
        folder = ModelFolder.open(Reference.path("tiny-a", "model"));
        config = VqConfig.from(folder.config(VqModel.COMPONENT));
    }

    /**
     * A ResNet block with a channel change (conv_shortcut) and the encoder's asymmetric-padding downsampler,
     * each built from the checkpoint by name, against the float64 loops: in float64 they agree to rounding.
     */
    @Test
    void resnetBlockAndDownsamplerMatchFloat64Loops() {
        StateDict weights = folder.weights(VqModel.COMPONENT, LoadOptions.cpuFloat32());
        Float64Encoder reference = new Float64Encoder(weights, config);
        try (NDManager m = NDManager.newBaseManager()) {
            LayerLoader l = new LayerLoader(weights, m, DataType.FLOAT64, config);
            int last = config.blocks() - 1;
            String block = "encoder.down_blocks." + last + ".resnets.0";
            int in = config.channels(Math.max(0, last - 1));
            ResnetBlock resnet = l.resnet(block, in, config.channels(last), NormType.GROUP);
            Float64Encoder.Map x = Float64Encoder.randomMap(in, 10, 7, 1);
            Float64Encoder.assertClose(reference.resnet(x, block), resnet.forward(Float64Encoder.toArray(m, x), null), 1e-12, block);

            String down = "encoder.down_blocks.0.downsamplers.0.conv";
            int c = config.channels(0);
            Downsample downsample = new Downsample(l.conv(down, c, c, 3, 2, 0));
            for (int size : new int[] {8, 9}) {
                Float64Encoder.Map y = Float64Encoder.randomMap(c, size, size + 3, 2);
                Float64Encoder.assertClose(reference.downsample(y, down), downsample.forward(Float64Encoder.toArray(m, y)), 1e-12, down);
            }
        }
    }

    /**
     * The whole encoder + quant_conv on a non-square image. float64: agreement up to the attention softmax,
     * which runs in float32 as upstream's upcast_softmax does (float32 rounding of the probabilities, ~6e-8
     * relative, seen as 4e-9 here) → 1e-7. float32: rounding noise of a float32 network of this depth on
     * outputs of this size (seen 2e-7) → 2e-6.
     */
    @Test
    void encodeMatchesFloat64Loops() {
        StateDict weights = folder.weights(VqModel.COMPONENT, LoadOptions.cpuFloat32());
        int f = config.downsampleFactor();
        Float64Encoder.Map image = Float64Encoder.randomMap(config.inChannels(), 3 * f, 2 * f, 3);
        Float64Encoder.Map expected = new Float64Encoder(weights, config).encode(image);
        try (NDManager m = NDManager.newBaseManager();
             VqModel f64 = VqModel.create(config, folder.weights(VqModel.COMPONENT, LoadOptions.cpuFloat32()), m,
                     DataType.FLOAT64);
             VqModel f32 = VqModel.load(folder, LoadOptions.cpuFloat32(), m)) {
            NDArray x = Float64Encoder.toArray(m, image);
            NDArray latents = f64.encode(x);
            assertEquals(new Shape(1, config.vqEmbedDim(), 3, 2), latents.getShape());
            Float64Encoder.assertClose(expected, latents, 1e-7, "float64 encode");
            Float64Encoder.assertClose(expected, f32.encode(x.toType(DataType.FLOAT32, false)), 2e-6, "float32 encode");
        }
    }

    @Test
    void quantizeGivesBackTheTokensOfCodebookEntries() {
        try (NDManager m = NDManager.newBaseManager(); VqModel vq = VqModel.load(folder, LoadOptions.cpuFloat32(), m)) {
            int h = 5;
            int w = 7;
            long[] tokens = new Random(4).longs(3L * h * w, 0, config.numVqEmbeddings()).toArray();
            NDArray grid = m.create(tokens, new Shape(3, (long) h * w));
            NDArray back = vq.quantize(vq.codebookEntry(grid, h, w));
            assertEquals(DataType.INT64, back.getDataType());
            assertArrayEquals(tokens, back.toLongArray());
        }
    }

    /** quantize against a float64 brute-force nearest search, skipping positions whose two best are a near tie. */
    @Test
    void quantizeFindsTheNearestCodebookVector() {
        StateDict weights = folder.weights(VqModel.COMPONENT, LoadOptions.cpuFloat32());
        double[] codebook = Float64Encoder.values(weights.tensors().get("quantize.embedding.weight"));
        int d = config.vqEmbedDim();
        int n = config.numVqEmbeddings();
        double spread = 0;
        for (double v : codebook) {
            spread = Math.max(spread, Math.abs(v));
        }
        Float64Encoder.Map latents = Float64Encoder.randomMap(d, 6, 4, 5);
        for (int i = 0; i < latents.v().length; i++) {
            latents.v()[i] *= 1.5 * spread;
        }
        try (NDManager m = NDManager.newBaseManager(); VqModel vq = VqModel.load(folder, LoadOptions.cpuFloat32(), m)) {
            long[] found = vq.quantize(Float64Encoder.toArray(m, latents).toType(DataType.FLOAT32, false)).toLongArray();
            int len = latents.h() * latents.w();
            assertEquals(len, found.length);
            int compared = 0;
            for (int p = 0; p < len; p++) {
                double best = Double.MAX_VALUE;
                double second = Double.MAX_VALUE;
                int arg = -1;
                for (int j = 0; j < n; j++) {
                    double dist = 0;
                    for (int c = 0; c < d; c++) {
                        double diff = (float) latents.v()[c * len + p] - codebook[j * d + c];
                        dist += diff * diff;
                    }
                    if (dist < best) {
                        second = best;
                        best = dist;
                        arg = j;
                    } else if (dist < second) {
                        second = dist;
                    }
                }
                if (second - best > 1e-6 * spread * spread) {
                    assertEquals(arg, found[p], "position " + p);
                    compared++;
                }
            }
            assertTrue(compared > len / 2, "too many near ties: compared " + compared + " of " + len);
        }
    }

    /** Images → token grids: the grid size follows the downsampling factor. */
    @Test
    void tokensFromImageIsEncodeThenQuantize() {
        int f = config.downsampleFactor();
        try (NDManager m = NDManager.newBaseManager(); VqModel vq = VqModel.load(folder, LoadOptions.cpuFloat32(), m)) {
            NDArray images = m.randomUniform(-1, 1, new Shape(2, config.inChannels(), 4L * f, 3L * f));
            NDArray tokens = vq.tokensFromImage(images);
            assertEquals(new Shape(2, 12), tokens.getShape());
            assertArrayEquals(vq.quantize(vq.encode(images)).toLongArray(), tokens.toLongArray());
        }
    }
}
