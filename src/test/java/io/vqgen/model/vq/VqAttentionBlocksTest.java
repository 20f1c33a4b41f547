package io.vqgen.model.vq;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.vqgen.model.vq.VqConfig.NormType;
import io.vqgen.weights.LoadOptions;
import io.vqgen.weights.ModelFolder;
import io.vqgen.weights.RawTensor;
import io.vqgen.weights.SafetensorsWriter;
import io.vqgen.weights.StateDict;
import io.vqgen.weights.WeightsException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * AttnDownEncoderBlock2D / AttnUpDecoderBlock2D (the layout of microsoft/vq-diffusion-ithq's VQ-VAE, attention at
 * the deepest level) and checkpoints that name the VAE attention as diffusers' old AttentionBlock did.
 */
class VqAttentionBlocksTest {
    private static final String[] ATTENTION_LEAVES = {"group_norm", "to_q", "to_k", "to_v", "to_out.0"};

    /** tiny-a's shapes with two resnets per block and attention in the deepest down and up block. */
    private static ObjectNode attentionConfig() {
        ObjectNode json = TinyVq.config();
        json.put("layers_per_block", 2);
        json.putArray("down_block_types").add("DownEncoderBlock2D").add("AttnDownEncoderBlock2D");
        json.putArray("up_block_types").add("AttnUpDecoderBlock2D").add("UpDecoderBlock2D");
        return json;
    }

    /**
     * The weights the model asks for are exactly diffusers': those of the same config with plain blocks (whose names
     * tiny-a's reference checkpoint fixes) plus, for every resnet j of an Attn block, {@code attentions.j} with
     * group_norm and the q/k/v/out projections, [C, C] weights and [C] biases at the block's channel count.
     */
    @Test
    void parameterNamesAreDiffusers() {
        VqConfig config = TinyVq.read(attentionConfig());
        Map<String, long[]> asked = namesAndShapes(config);

        ObjectNode plain = attentionConfig();
        plain.putArray("down_block_types").add("DownEncoderBlock2D").add("DownEncoderBlock2D");
        plain.putArray("up_block_types").add("UpDecoderBlock2D").add("UpDecoderBlock2D");
        Map<String, long[]> plainNames = namesAndShapes(TinyVq.read(plain));
        assertEquals(new TreeMap<>(TinyVq.tensors()).keySet(), namesAndShapes(TinyVq.read(TinyVq.config())).keySet(),
                "plain blocks ask for exactly the reference checkpoint's names");

        long c = config.channels(1);
        Map<String, long[]> expected = new TreeMap<>(plainNames);
        for (int j = 0; j < 2; j++) {
            addAttention(expected, "encoder.down_blocks.1.attentions." + j, c);
        }
        for (int j = 0; j < 3; j++) {
            addAttention(expected, "decoder.up_blocks.0.attentions." + j, c);
        }
        assertEquals(expected.keySet(), asked.keySet());
        expected.forEach((name, shape) -> assertArrayEquals(shape, asked.get(name), name));
    }

    /** One block attention built from the weights by name, in float64, against the plain-Java loops. */
    @Test
    void blockAttentionMatchesFloat64Loops() {
        VqConfig config = TinyVq.read(attentionConfig());
        StateDict weights = randomWeights(config, 11);
        int c = config.channels(1);
        String name = "encoder.down_blocks.1.attentions.1";
        Float64Encoder.Map x = Float64Encoder.randomMap(c, 5, 3, 12);
        try (NDManager m = NDManager.newBaseManager()) {
            SpatialAttention attention = new LayerLoader(weights, m, DataType.FLOAT64, config).attention(name, c, NormType.GROUP);
            Float64Encoder.Map expected = new Float64Encoder(weights, config).attention(x, name);
            Float64Encoder.assertClose(expected, attention.forward(Float64Encoder.toArray(m, x), null), softmaxRounding(expected), name);
        }
    }

    /** The AttnUpDecoderBlock2D (resnet, attention, … then the upsampler) in float64 against the loops. */
    @Test
    void attentionUpBlockMatchesFloat64Loops() {
        VqConfig config = TinyVq.read(attentionConfig());
        StateDict weights = randomWeights(config, 13);
        Float64Encoder reference = new Float64Encoder(weights, config);
        int c = config.channels(1);
        Float64Encoder.Map x = Float64Encoder.randomMap(c, 3, 4, 14);
        Float64Encoder.Map expected = x;
        String block = "decoder.up_blocks.0";
        for (int j = 0; j < 3; j++) {
            expected = reference.attention(reference.resnet(expected, block + ".resnets." + j), block + ".attentions." + j);
        }
        expected = reference.upsample(expected, block + ".upsamplers.0.conv");
        try (NDManager m = NDManager.newBaseManager()) {
            UpBlock up = Decoder.load(new LayerLoader(weights, m, DataType.FLOAT64, config), config).upBlocks().get(0);
            assertEquals(3, up.attentions().size());
            Float64Encoder.assertClose(expected, up.forward(Float64Encoder.toArray(m, x), null), softmaxRounding(expected), block);
        }
    }

    /** The whole encoder with an AttnDownEncoderBlock2D; tolerances as in VqModelEncoderTest#encodeMatchesFloat64Loops. */
    @Test
    void encodeWithAttentionBlockMatchesFloat64Loops() {
        VqConfig config = TinyVq.read(attentionConfig());
        StateDict weights = randomWeights(config, 15);
        int f = config.downsampleFactor();
        Float64Encoder.Map image = Float64Encoder.randomMap(config.inChannels(), 3 * f, 2 * f, 16);
        Float64Encoder.Map expected = new Float64Encoder(weights, config).encode(image);
        try (NDManager m = NDManager.newBaseManager();
             VqModel f64 = VqModel.create(config, randomWeights(config, 15), m, DataType.FLOAT64);
             VqModel f32 = VqModel.create(config, randomWeights(config, 15), m)) {
            NDArray x = Float64Encoder.toArray(m, image);
            Float64Encoder.assertClose(expected, f64.encode(x), 1e-7, "float64 encode");
            Float64Encoder.assertClose(expected, f32.encode(x.toType(DataType.FLOAT32, false)), 2e-6, "float32 encode");
        }
    }

    /**
     * tiny-a with its mid-block attentions saved under the old AttentionBlock names (query/key/value/proj_attn; the
     * group_norm kept its name), written as a model folder: it loads and decodes bit for bit as the original.
     */
    @Test
    void legacyAttentionNamesDecodeAsTheOriginal(@TempDir Path dir) throws IOException {
        Map<String, String> legacy = Map.of(".to_q.", ".query.", ".to_k.", ".key.", ".to_v.", ".value.",
                ".to_out.0.", ".proj_attn.");
        Map<String, RawTensor> renamed = new LinkedHashMap<>();
        TinyVq.tensors().forEach((name, t) -> {
            String n = name;
            if (name.contains(".mid_block.attentions.")) {
                for (Map.Entry<String, String> e : legacy.entrySet()) {
                    n = n.replace(e.getKey(), e.getValue());
                }
            }
            renamed.put(n, TinyVq.renamed(t, n));
        });
        assertTrue(renamed.containsKey("encoder.mid_block.attentions.0.query.weight"));
        assertTrue(renamed.containsKey("decoder.mid_block.attentions.0.proj_attn.bias"));
        Files.write(dir.resolve("model_index.json"), "{\"_class_name\": \"VQDiffusionPipeline\"}".getBytes());
        Path vq = Files.createDirectories(dir.resolve(VqModel.COMPONENT));
        new ObjectMapper().writeValue(vq.resolve("config.json").toFile(), TinyVq.config());
        SafetensorsWriter.write(vq.resolve("diffusion_pytorch_model.safetensors"), renamed.values(),
                Map.of("format", "pt"));

        try (NDManager m = NDManager.newBaseManager();
             VqModel original = VqModel.load(TinyVq.folder(), LoadOptions.cpuFloat32(), m);
             VqModel old = VqModel.load(ModelFolder.open(dir), LoadOptions.cpuFloat32(), m)) {
            int f = original.config().downsampleFactor();
            NDArray tokens = m.create(new Random(3).longs(12, 0, original.config().numVqEmbeddings()).toArray(),
                    new Shape(2, 6));
            assertArrayEquals(original.decode(original.codebookEntry(tokens, 2, 3)).toFloatArray(),
                    old.decode(old.codebookEntry(tokens, 2, 3)).toFloatArray());
            NDArray images = m.randomUniform(-1, 1, new Shape(1, original.config().inChannels(), 2L * f, 2L * f));
            assertArrayEquals(original.encode(images).toFloatArray(), old.encode(images).toFloatArray());
        }
    }

    /** An attention weight under neither name is reported with both, and with its shape. */
    @Test
    void attentionWeightUnderNeitherNameIsNamed() {
        Map<String, RawTensor> tensors = TinyVq.tensors();
        String name = "decoder.mid_block.attentions.0.to_k.bias";
        long c = tensors.get(name).shape()[0];
        tensors.remove(name);
        try (NDManager m = NDManager.newBaseManager()) {
            WeightsException e = assertThrows(WeightsException.class, () -> VqModel.create(
                    TinyVq.read(TinyVq.config()), TinyVq.weights(tensors, LoadOptions.cpuFloat32()), m));
            String message = e.getMessage();
            assertTrue(message.contains("vqvae: missing tensor '" + name + "' (or 'decoder.mid_block.attentions.0.key.bias',"
                    + " its name in older checkpoints; expected shape [" + c + "])"), message);
        }
    }

    /** A weight under both names: the new one is used and the old one reported as left over, not silently dropped. */
    @Test
    void attentionWeightUnderBothNamesLeavesTheOldOneOver() {
        Map<String, RawTensor> tensors = TinyVq.tensors();
        RawTensor q = tensors.get("encoder.mid_block.attentions.0.to_q.weight");
        tensors.put("encoder.mid_block.attentions.0.query.weight", TinyVq.renamed(q, "encoder.mid_block.attentions.0.query.weight"));
        try (NDManager m = NDManager.newBaseManager()) {
            WeightsException e = assertThrows(WeightsException.class, () -> VqModel.create(
                    TinyVq.read(TinyVq.config()), TinyVq.weights(tensors, LoadOptions.cpuFloat32()), m));
            assertTrue(e.getMessage().contains("1 unexpected tensor(s)")
                    && e.getMessage().contains("encoder.mid_block.attentions.0.query.weight"), e.getMessage());
        }
    }

    /**
     * A float64 model still takes its attention softmax in float32, as upstream's upcast_softmax does, so its
     * probabilities carry float32 rounding (2^-24 relative), which reaches the output at about that size relative
     * to the activations (seen: 0.6 × 2^-24 × max |expected| for one attention, 0.4 × for the up block with
     * three); 4× that as margin. Everything else agrees to float64 rounding.
     */
    private static double softmaxRounding(Float64Encoder.Map expected) {
        double max = 0;
        for (double v : expected.v()) {
            max = Math.max(max, Math.abs(v));
        }
        return 4 * Math.scalb(1.0, -24) * max;
    }

    private static void addAttention(Map<String, long[]> names, String prefix, long c) {
        for (String leaf : ATTENTION_LEAVES) {
            names.put(prefix + "." + leaf + ".weight", leaf.equals("group_norm") ? new long[] {c} : new long[] {c, c});
            names.put(prefix + "." + leaf + ".bias", new long[] {c});
        }
    }

    /** The names and shapes a model built from the config asks for. */
    static Map<String, long[]> namesAndShapes(VqConfig config) {
        StateDict names = StateDict.synthesizing(VqModel.COMPONENT, 0, LoadOptions.cpuFloat32());
        try (NDManager m = NDManager.newBaseManager()) {
            VqModel.create(config, names, m).close();
        }
        Map<String, long[]> out = new TreeMap<>();
        names.tensors().forEach((name, t) -> out.put(name, t.shape()));
        return out;
    }

    /**
     * Every weight the config needs, with seeded values: weights N(0, 1/fan_in), and biases and norm
     * scales/shifts away from their usual 0 and 1 so that a swapped or dropped one shows.
     */
    private static StateDict randomWeights(VqConfig config, long seed) {
        Random r = new Random(seed);
        Map<String, RawTensor> tensors = new LinkedHashMap<>();
        namesAndShapes(config).forEach((name, shape) -> {
            int n = Math.toIntExact(RawTensor.elementCount(shape));
            double std = shape.length == 1 ? 0.2 : 1 / Math.sqrt((double) n / shape[0]);
            float[] v = new float[n];
            for (int i = 0; i < n; i++) {
                v[i] = (float) (r.nextGaussian() * std + (shape.length == 1 && name.contains("norm") && name.endsWith(".weight") ? 1 : 0));
            }
            tensors.put(name, TinyVq.f32(name, v, shape));
        });
        return TinyVq.weights(tensors, LoadOptions.cpuFloat32());
    }
}
