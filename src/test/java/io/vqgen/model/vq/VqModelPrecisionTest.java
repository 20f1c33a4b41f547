package io.vqgen.model.vq;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import io.vqgen.Reference;
import io.vqgen.weights.LoadOptions;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Half-precision weights: the same decode, with the error float16 allows. (bfloat16 cannot be tested: DJL
 * 0.36's PyTorch engine has no bfloat16 tensors, so LoadOptions refuses it.)
 */
class VqModelPrecisionTest {

    /**
     * Tolerances: float16 rounds each op's result to 2^-11 ≈ 4.9e-4 relative; over the decoder's ~30 layers on
     * outputs up to ~1.7 in magnitude that bounds the worst element by about 30 × 4.9e-4 × 1.7 ≈ 0.025 (seen
     * 0.006). The mean error must stay ten times smaller (seen 1e-3), which a dtype mix-up (a weight read in the
     * wrong format, a norm computed in the wrong type) would not.
     */
    @Test
    void float16WeightsDecodeAndEncode() {
        DataType type = DataType.FLOAT16;
        double maxTol = 0.025;
        double meanTol = 0.0025;
        Path dir = Reference.path("tiny-a", "components");
        try (NDManager m = NDManager.newBaseManager();
             VqModel vq = VqModel.load(TinyVq.folder(), new LoadOptions(type, Device.cpu()), m)) {
            assertEquals(type, vq.dtype());
            NDArray entry = vq.codebookEntry(Goldens.load(m, dir.resolve("vqvae_in_tokens.npy")),
                    (int) Goldens.load(m, dir.resolve("vqvae_codebook_entry.npy")).getShape().get(2),
                    (int) Goldens.load(m, dir.resolve("vqvae_codebook_entry.npy")).getShape().get(3));
            NDArray decoded = vq.decode(entry);
            assertEquals(DataType.FLOAT32, decoded.getDataType());
            float[] ours = decoded.toFloatArray();
            float[] golden = Goldens.load(m, dir.resolve("vqvae_decoded.npy")).toFloatArray();
            double max = 0;
            double sum = 0;
            for (int i = 0; i < ours.length; i++) {
                double d = Math.abs(ours[i] - golden[i]);
                max = Math.max(max, d);
                sum += d;
            }
            double mean = sum / ours.length;
            System.out.printf("%s decode vs float32 golden: max %.3g, mean %.3g%n", type, max, mean);
            assertTrue(max <= maxTol && mean <= meanTol, type + ": max " + max + ", mean " + mean);

            NDArray tokens = vq.tokensFromImage(m.randomUniform(-1, 1, new ai.djl.ndarray.types.Shape(1,
                    vq.config().inChannels(), 2L * vq.config().downsampleFactor(), 2L * vq.config().downsampleFactor())));
            assertEquals(DataType.INT64, tokens.getDataType());
        }
    }

    /** force_upcast: true runs the VQ-VAE in float32 even when the pipeline loads float16 weights. */
    @Test
    void forceUpcastRunsInFloat32() {
        DataType type = DataType.FLOAT16;
        Path dir = Reference.path("tiny-a", "components");
        var config = TinyVq.config();
        config.put("force_upcast", true);
        try (NDManager m = NDManager.newBaseManager();
             VqModel vq = VqModel.create(TinyVq.read(config),
                     TinyVq.weights(TinyVq.tensors(), new LoadOptions(type, Device.cpu())), m)) {
            assertEquals(DataType.FLOAT32, vq.dtype());
            NDArray decoded = vq.decode(Goldens.load(m, dir.resolve("vqvae_codebook_entry.npy")));
            double diff = Goldens.maxAbsDiff(decoded, Goldens.load(m, dir.resolve("vqvae_decoded.npy")));
            assertTrue(diff <= 1e-5, "force_upcast decode: " + diff + " (float32 tolerance, see VqModelGoldenTest)");
        }
    }
}
