package io.vqgen.eval;

import ai.djl.Device;
import ai.djl.ndarray.NDManager;
import com.fasterxml.jackson.databind.JsonNode;
import io.vqgen.eval.image.RgbImage;
import io.vqgen.model.inception.FidInception;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.vqgen.weights.LoadOptions;
import io.vqgen.weights.RawTensor;
import io.vqgen.weights.StateDict;
import io.vqgen.weights.StorageType;
import io.vqgen.weights.TensorFile;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * pool3 features and FID against pytorch-fid 0.3.0 on the same random full-size FID Inception, for both resize
 * conventions (pytorch-fid's own, and clean-fid's resize). The network is regenerated with init-model --preset
 * fid-inception (96 MB, seeded per tensor, never committed); its sha256 proves it is the one the goldens used.
 * Feature tolerance: 4× the largest |float64 − float32| the goldens measured for the same upstream module.
 */
class FidGoldenTest {
    @TempDir
    static Path tmp;
    static NDManager manager;
    static FidInception network;
    static Path weights;

    @BeforeAll
    static void load() throws Exception {
        Path dir = tmp.resolve("fid");
        EvalModels.write(EvalModels.Preset.FID_INCEPTION, 0, dir, null);
        weights = dir.resolve(EvalModels.FID_FILE);
        assertEquals(EvalGoldens.json().get("fid").get("weights_sha256").asText(), EvalGoldens.sha256(weights),
                "init-model no longer writes the weights the goldens were made with: remake them (tools/reference/eval)");
        manager = NDManager.newBaseManager();
        network = FidInception.load(weights, Device.cpu(), manager);
    }

    @AfterAll
    static void close() {
        if (network != null) {
            network.close();
        }
        if (manager != null) {
            manager.close();
        }
    }

    @Test
    void pytorchFidConvention() {
        float[][] out = checkFeatures(FidResize.PYTORCH_FID);
        // FID of the first 4 images against the other 4 (one value suffices: the two conventions share the rest)
        JsonNode fid = EvalGoldens.json().get("fid");
        int split = fid.get("split").get(0).asInt();
        FeatureSums a = new FeatureSums(FidInception.FEATURES);
        FeatureSums b = new FeatureSums(FidInception.FEATURES);
        for (int i = 0; i < out.length; i++) {
            (i < split ? a : b).add(out[i]);
        }
        double expectedFid = fid.get("pytorch-fid").asDouble();
        double got = FrechetDistance.between(a.stats(), b.stats()).distance();
        assertEquals(expectedFid, got, 1e-4 * expectedFid, "FID");
    }

    @Test
    void legacyTorchSaveFormatOfTheRealWeightsFileLoads() {
        // pytorch-fid's pt_inception-2015-12-05-6726825d.pth predates torch 1.6 (legacy, non-zip torch.save); this
        // is its first block as torch 1.13 writes that format, with _metadata and int64 num_batches_tracked
        Path legacy = EvalGoldens.DIR.resolve("expected/legacy_conv2d_1a.pth");
        try (TensorFile part = TensorFile.open(legacy); TensorFile all = TensorFile.open(weights)) {
            Map<String, RawTensor> merged = new LinkedHashMap<>(all.tensors());
            for (RawTensor t : part.tensors().values()) {
                if (t.name().endsWith("num_batches_tracked")) {
                    assertEquals(StorageType.I64, t.type());
                    assertEquals(0, t.shape().length);
                } else {
                    assertEquals(all.tensors().get(t.name()).data(), t.data(), t.name());
                }
                merged.put(t.name(), t);
            }
            assertEquals(6, part.tensors().size());
            try (NDManager m = NDManager.newBaseManager()) {
                FidInception.create(new StateDict("fid", merged, LoadOptions.cpuFloat32()), m).close();
            }
        }
    }

    @Test
    void cleanFidConvention() {
        checkFeatures(FidResize.CLEAN);
    }

    private static float[][] checkFeatures(FidResize resize) {
        String mode = resize.label();
        float[][] expected = EvalGoldens.rows("fid_pool3_" + mode + ".npy");
        List<RgbImage> images = EvalGoldens.images();
        FidFeatures features = new FidFeatures(network, resize, manager);
        float[][] out = features.features(images);
        double tol = 4 * EvalGoldens.tolerance("fid_pool3_" + mode);
        double worst = 0;
        for (int i = 0; i < out.length; i++) {
            for (int j = 0; j < FidInception.FEATURES; j++) {
                worst = Math.max(worst, Math.abs(out[i][j] - expected[i][j]));
            }
        }
        assertTrue(worst <= tol, mode + ": max |diff| " + worst + " > " + tol);
        return out;
    }
}
