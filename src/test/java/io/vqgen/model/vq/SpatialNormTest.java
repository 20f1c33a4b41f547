package io.vqgen.model.vq;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.vqgen.Reference;
import io.vqgen.weights.LoadOptions;
import io.vqgen.weights.RawTensor;
import io.vqgen.weights.StateDict;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * norm_type "spatial" (MoVQ), for which there is no golden: the layer against plain-Java float64 arithmetic,
 * and the decoder's wiring through an equivalence with the golden-checked group-norm decoder.
 */
class SpatialNormTest {

    /** norm(f) · conv_y(up(zq)) + conv_b(up(zq)) with nearest upsampling, against float64 loops. */
    @Test
    void layerMatchesFloat64Loops() {
        int c = VqConfig.SPATIAL_NORM_GROUPS * 2;
        int zc = 3;
        int h = 6;
        int w = 4;
        Random r = new Random(11);
        double[] f = r.doubles((long) c * h * w, -2, 2).toArray();
        double[] zq = r.doubles((long) zc * (h / 2) * (w / 2), -1, 1).toArray();
        double[] gamma = r.doubles(c, 0.5, 1.5).toArray();
        double[] beta = r.doubles(c, -0.5, 0.5).toArray();
        double[] wy = r.doubles((long) c * zc, -1, 1).toArray();
        double[] by = r.doubles(c, -1, 1).toArray();
        double[] wb = r.doubles((long) c * zc, -1, 1).toArray();
        double[] bb = r.doubles(c, -1, 1).toArray();
        try (NDManager m = NDManager.newBaseManager()) {
            SpatialNorm layer = new SpatialNorm(
                    new GroupNorm(m.create(gamma, new Shape(c, 1, 1)), m.create(beta, new Shape(c, 1, 1)),
                            VqConfig.SPATIAL_NORM_GROUPS, 1e-6f),
                    new Conv(m.create(wy, new Shape(c, zc, 1, 1)), m.create(by), 1, 0),
                    new Conv(m.create(wb, new Shape(c, zc, 1, 1)), m.create(bb), 1, 0));
            double[] ours = layer.forward(m.create(f, new Shape(1, c, h, w)), m.create(zq, new Shape(1, zc, h / 2, w / 2)))
                    .toDoubleArray();

            int per = c / VqConfig.SPATIAL_NORM_GROUPS * h * w;
            double max = 0;
            for (int g = 0; g < VqConfig.SPATIAL_NORM_GROUPS; g++) {
                double[] slab = Arrays.copyOfRange(f, g * per, (g + 1) * per);
                double mean = Arrays.stream(slab).average().orElseThrow();
                double var = Arrays.stream(slab).map(v -> (v - mean) * (v - mean)).average().orElseThrow();
                for (int i = 0; i < per; i++) {
                    int idx = g * per + i;
                    int ch = idx / (h * w);
                    int y = idx / w % h;
                    int x = idx % w;
                    double scale = by[ch];
                    double shift = bb[ch];
                    for (int k = 0; k < zc; k++) {
                        double z = zq[(k * (h / 2) + y / 2) * (w / 2) + x / 2];
                        scale += wy[ch * zc + k] * z;
                        shift += wb[ch * zc + k] * z;
                    }
                    double expected = ((f[idx] - mean) / Math.sqrt(var + 1e-6) * gamma[ch] + beta[ch]) * scale + shift;
                    max = Math.max(max, Math.abs(expected - ours[idx]));
                }
            }
            assertTrue(max < 1e-12, "SpatialNorm vs float64 loops: " + max);
        }
    }

    /**
     * A spatial decoder whose conv_y maps to 1 and conv_b to 0 is exactly the group-norm decoder (tiny-a has
     * norm_num_groups = 32, SpatialNorm's fixed group count). Built from tiny-a's weights under the spatial
     * parameter names, it must reproduce tiny-a's decode golden: this checks every spatial weight name and
     * that zq reaches each norm at the right size.
     */
    @Test
    void identityModulatedSpatialDecoderReproducesTheGroupNormGolden() {
        ObjectNode json = TinyVq.config();
        assertEquals(VqConfig.SPATIAL_NORM_GROUPS, json.get("norm_num_groups").asInt(), "premise of the test");
        json.put("norm_type", "spatial");
        VqConfig config = TinyVq.read(json);
        int zc = config.latentChannels();
        Map<String, RawTensor> tensors = new LinkedHashMap<>();
        TinyVq.tensors().forEach((name, t) -> {
            String stem = name.substring(0, name.lastIndexOf('.'));
            String leaf = name.substring(name.lastIndexOf('.'));
            boolean decoderNorm = name.startsWith("decoder.") && (stem.endsWith(".norm1") || stem.endsWith(".norm2")
                    || stem.endsWith(".group_norm") || stem.endsWith("conv_norm_out"));
            if (!decoderNorm) {
                tensors.put(name, t);
                return;
            }
            String norm = stem.endsWith(".group_norm") ? stem.replace(".group_norm", ".spatial_norm") : stem;
            tensors.put(norm + ".norm_layer" + leaf, TinyVq.renamed(t, norm + ".norm_layer" + leaf));
            if (leaf.equals(".weight")) {
                int c = (int) t.shape()[0];
                float[] ones = new float[c];
                Arrays.fill(ones, 1f);
                tensors.put(norm + ".conv_y.weight", TinyVq.f32(norm + ".conv_y.weight", new float[c * zc], c, zc, 1, 1));
                tensors.put(norm + ".conv_y.bias", TinyVq.f32(norm + ".conv_y.bias", ones, c));
                tensors.put(norm + ".conv_b.weight", TinyVq.f32(norm + ".conv_b.weight", new float[c * zc], c, zc, 1, 1));
                tensors.put(norm + ".conv_b.bias", TinyVq.f32(norm + ".conv_b.bias", new float[c], c));
            }
        });
        assertTrue(tensors.containsKey("decoder.mid_block.attentions.0.spatial_norm.conv_y.weight"));
        Path dir = Reference.path("tiny-a", "components");
        try (NDManager m = NDManager.newBaseManager();
             VqModel vq = VqModel.create(config, new StateDict(VqModel.COMPONENT, tensors, LoadOptions.cpuFloat32()), m)) {
            NDArray decoded = vq.decode(Goldens.load(m, dir.resolve("vqvae_codebook_entry.npy")));
            double diff = Goldens.maxAbsDiff(decoded, Goldens.load(m, dir.resolve("vqvae_decoded.npy")));
            assertTrue(diff <= 1e-5, "spatial decoder with identity modulation vs golden: " + diff
                    + " (float32 tolerance, see VqModelGoldenTest)");
            assertEquals(DataType.FLOAT32, decoded.getDataType());
        }
    }
}
