package io.vqgen.model.vq;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.vqgen.Reference;
import io.vqgen.model.ModelException;
import io.vqgen.model.layers.Activation;
import io.vqgen.weights.LoadOptions;
import io.vqgen.weights.RawTensor;
import io.vqgen.weights.WeightsException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Config and weight problems, bad call inputs, old checkpoint names and memory ownership. */
class VqModelLoadTest {

    @Test
    void readsTheConfig() {
        VqConfig c = TinyVq.read(TinyVq.config());
        assertEquals(VqConfig.NormType.GROUP, c.normType());
        assertEquals(Activation.SILU, c.activation());
        assertEquals(c.latentChannels(), c.vqEmbedDim());
        assertEquals(1 << (c.blockOutChannels().length - 1), c.downsampleFactor());
        assertTrue(c.midBlockAddAttention());
        ObjectNode json = TinyVq.config();
        json.putNull("vq_embed_dim");
        json.put("latent_channels", 5);
        assertEquals(5, TinyVq.read(json).vqEmbedDim(), "vq_embed_dim defaults to latent_channels");
    }

    /**
     * Every key absent: diffusers 0.24.0's VQModel() (one 64-channel block), plus 0.25's two flags and vqgen's
     * quantizer and num_tokens at their defaults (diffusers' behaviour).
     */
    @Test
    void absentKeysTakeDiffusersDefaults() {
        VqConfig c = TinyVq.read(new ObjectMapper().createObjectNode());
        assertEquals(new VqConfig(3, 3, List.of("DownEncoderBlock2D"), List.of("UpDecoderBlock2D"), new int[] {64}, 1,
                Activation.SILU, 3, 256, 3, 32, VqConfig.NormType.GROUP, true, false, 32, 0.18215, VqConfig.NEAREST, null), c);
        ObjectNode swish = TinyVq.config();
        swish.put("act_fn", "Swish");
        assertEquals(Activation.SILU, TinyVq.read(swish).activation(), "act_fn is matched as diffusers lowercases it");
        swish.put("act_fn", "mish");
        assertEquals(Activation.MISH, TinyVq.read(swish).activation());
    }

    /**
     * Values of the wrong type or range are refused by the config reader (WeightsException: the file, the key, what
     * was expected and what it found); well-formed values this port cannot run, or that do not fit together, by the
     * model (ModelException saying why).
     */
    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "_class_name|\"AutoencoderKL\"|WeightsException|_class_name is \"AutoencoderKL\", expected 'VQModel'",
            "up_block_types|[\"UpDecoderBlock2D\", 3]|WeightsException|key 'up_block_types' must be a non-empty list of strings, found [\"UpDecoderBlock2D\",3]",
            "down_block_types|[]|WeightsException|key 'down_block_types' must be a non-empty list of strings, found []",
            "block_out_channels|32|WeightsException|key 'block_out_channels' must be a non-empty list of integers ≥ 1, found 32",
            "block_out_channels|[32, 0]|WeightsException|key 'block_out_channels' must be a non-empty list of integers ≥ 1, found [32,0]",
            "layers_per_block|0|WeightsException|key 'layers_per_block' must be an integer ≥ 1, found 0",
            "latent_channels|1.5|WeightsException|key 'latent_channels' must be an integer ≥ 1, found 1.5",
            "in_channels|\"3\"|WeightsException|key 'in_channels' must be an integer ≥ 1, found \"3\"",
            "vq_embed_dim|-4|WeightsException|key 'vq_embed_dim' must be an integer ≥ 1, found -4",
            "norm_type|7|WeightsException|key 'norm_type' must be a string, found 7",
            "scaling_factor|\"x\"|WeightsException|key 'scaling_factor' must be a number, found \"x\"",
            "force_upcast|\"yes\"|WeightsException|key 'force_upcast' must be true or false, found \"yes\"",
            "num_tokens|0|WeightsException|key 'num_tokens' must be an integer ≥ 1, found 0",
            "quantizer|4|WeightsException|key 'quantizer' must be a string, found 4",
            "quantizer|\"lookup\"|ModelException|quantizer 'lookup' is not supported (expected 'nearest' or 'gumbel')",
            "num_tokens|13|ModelException|num_tokens = 13 must be in 1..12 (num_vq_embeddings)",
            "norm_num_groups|24|ModelException|block_out_channels[0] = 32 is not divisible by norm_num_groups = 24 (group norm needs whole groups); block_out_channels[1] = 64 is not divisible by norm_num_groups = 24 (group norm needs whole groups)",
            "norm_type|\"layer\"|ModelException|norm_type 'layer' is not supported (expected 'group' or 'spatial')",
            "act_fn|\"tanh\"|ModelException|act_fn 'tanh' is not supported (expected silu, swish, mish, gelu or relu)",
            "up_block_types|[\"UpDecoderBlock2D\"]|ModelException|up_block_types has 1 entries but block_out_channels has 2 (one block per channel count)",
            "down_block_types|[\"DownEncoderBlock2D\", \"CrossAttnDownBlock2D\"]|ModelException|down_block_types[1] = 'CrossAttnDownBlock2D' is not supported (expected 'DownEncoderBlock2D' or 'AttnDownEncoderBlock2D')"})
    void refusesBadConfigs(String key, String json, String type, String expected) throws Exception {
        ObjectNode config = TinyVq.config();
        config.set(key, new ObjectMapper().readTree(json));
        RuntimeException e = assertThrows(RuntimeException.class, () -> TinyVq.read(config));
        assertEquals(type, e.getClass().getSimpleName(), e.toString());
        assertEquals("vqvae/config.json: " + expected, e.getMessage());
    }

    @Test
    void spatialNormNeedsCodebookVectorsOfLatentWidth() {
        ObjectNode config = TinyVq.config();
        config.put("norm_type", "spatial");
        config.put("vq_embed_dim", config.get("latent_channels").asInt() + 1);
        ModelException e = assertThrows(ModelException.class, () -> TinyVq.read(config));
        assertMessage(e, "norm_type 'spatial'", "must equal it");
    }

    @Test
    void aConfigBuiltInCodeIsCheckedWhenTheModelIsCreated() {
        VqConfig c = TinyVq.read(TinyVq.config());
        VqConfig odd = new VqConfig(c.inChannels(), c.outChannels(), c.downBlockTypes(), c.upBlockTypes(),
                c.blockOutChannels(), c.layersPerBlock(), c.activation(), c.latentChannels(), c.numVqEmbeddings(),
                c.vqEmbedDim(), 5, c.normType(), true, false, 32, 1, VqConfig.NEAREST, null);
        try (NDManager m = NDManager.newBaseManager()) {
            ModelException e = assertThrows(ModelException.class,
                    () -> VqModel.create(odd, TinyVq.weights(TinyVq.tensors(), LoadOptions.cpuFloat32()), m));
            assertMessage(e, "VQModel config: ", "is not divisible by norm_num_groups = 5");
        }
    }

    @Test
    void missingWeightIsNamed() {
        Map<String, RawTensor> tensors = TinyVq.tensors();
        tensors.remove("decoder.up_blocks.0.resnets.0.conv1.weight");
        WeightsException e = assertThrows(WeightsException.class, () -> build(TinyVq.config(), tensors));
        assertMessage(e, "vqvae: missing tensor 'decoder.up_blocks.0.resnets.0.conv1.weight'", "(expected shape [");
    }

    /** Channels in config.json that the checkpoint does not have: the first tensor that disagrees is named. */
    @Test
    void configChannelsThatContradictTheWeightsAreNamed() {
        ObjectNode config = TinyVq.config();
        int second = config.get("block_out_channels").get(1).asInt();
        int first = config.get("block_out_channels").get(0).asInt();
        config.putArray("block_out_channels").add(first).add(second + 32);
        WeightsException e = assertThrows(WeightsException.class, () -> build(config, TinyVq.tensors()));
        assertMessage(e, "tensor 'encoder.down_blocks.1.resnets.0.conv1.weight'",
                "has shape [" + second + ", " + first + ", 3, 3], expected [" + (second + 32) + ", " + first
                        + ", 3, 3] (does config.json match the weights?)");

        ObjectNode latent = TinyVq.config();
        latent.put("latent_channels", latent.get("latent_channels").asInt() + 1);
        latent.putNull("vq_embed_dim");
        e = assertThrows(WeightsException.class, () -> build(latent, TinyVq.tensors()));
        assertMessage(e, "tensor 'encoder.conv_out.weight'", "expected [");
    }

    /** mid_block_add_attention: false means no attention weights; stored ones are then reported, not ignored. */
    @Test
    void midBlockWithoutAttention() {
        ObjectNode config = TinyVq.config();
        config.put("mid_block_add_attention", false);
        WeightsException e = assertThrows(WeightsException.class, () -> build(config, TinyVq.tensors()));
        assertMessage(e, "unexpected tensor(s)", "decoder.mid_block.attentions.0.group_norm.bias");

        Map<String, RawTensor> tensors = TinyVq.tensors();
        tensors.keySet().removeIf(n -> n.contains(".attentions."));
        try (NDManager m = NDManager.newBaseManager();
             VqModel vq = VqModel.create(TinyVq.read(config), TinyVq.weights(tensors, LoadOptions.cpuFloat32()), m)) {
            int f = vq.config().downsampleFactor();
            NDArray decoded = vq.decode(m.ones(new Shape(1, vq.config().vqEmbedDim(), 2, 3)));
            assertEquals(new Shape(1, vq.config().outChannels(), 2L * f, 3L * f), decoded.getShape());
        }
    }

    /** Checkpoints saved before diffusers renamed the attention block (query/key/value/proj_attn) still load. */
    @Test
    void legacyAttentionNamesLoad() {
        Map<String, String> legacy = Map.of(".to_q.", ".query.", ".to_k.", ".key.", ".to_v.", ".value.",
                ".to_out.0.", ".proj_attn.");
        Map<String, RawTensor> tensors = new java.util.LinkedHashMap<>();
        TinyVq.tensors().forEach((name, t) -> {
            String renamed = name;
            for (Map.Entry<String, String> e : legacy.entrySet()) {
                renamed = renamed.replace(e.getKey(), e.getValue());
            }
            tensors.put(renamed, TinyVq.renamed(t, renamed));
        });
        assertTrue(tensors.containsKey("decoder.mid_block.attentions.0.proj_attn.weight"));
        Path dir = Reference.path("tiny-a", "components");
        try (NDManager m = NDManager.newBaseManager();
             VqModel vq = VqModel.create(TinyVq.read(TinyVq.config()),
                     TinyVq.weights(tensors, LoadOptions.cpuFloat32()), m)) {
            NDArray decoded = vq.decode(Goldens.load(m, dir.resolve("vqvae_codebook_entry.npy")));
            double diff = Goldens.maxAbsDiff(decoded, Goldens.load(m, dir.resolve("vqvae_decoded.npy")));
            assertTrue(diff <= 1e-5, "decoded with legacy names: " + diff);
        }
    }

    @Test
    void badCallInputsAreRefusedWithWhatWasExpected() {
        try (NDManager m = NDManager.newBaseManager(); VqModel vq = VqModel.load(TinyVq.folder(), LoadOptions.cpuFloat32(), m)) {
            VqConfig c = vq.config();
            long n = c.numVqEmbeddings();
            NDArray tooBig = m.create(new long[] {0, n, 1, 2}, new Shape(1, 4));
            assertMessage(assertThrows(ModelException.class, () -> vq.codebookEntry(tooBig, 2, 2)),
                    "codebookEntry: token ids must be in [0, " + n + ")", "found values from 0 to " + n);
            NDArray negative = m.create(new long[] {0, -1, 1, 2}, new Shape(1, 4));
            assertMessage(assertThrows(ModelException.class, () -> vq.codebookEntry(negative, 2, 2)),
                    "codebookEntry: token ids must be in", "from -1 to 2");
            NDArray four = m.zeros(new Shape(1, 4), DataType.INT64);
            assertMessage(assertThrows(ModelException.class, () -> vq.codebookEntry(four, 3, 2)),
                    "codebookEntry: expected integer tokens [B, 3*2]", "got int64 (1, 4)");
            assertMessage(assertThrows(ModelException.class,
                            () -> vq.codebookEntry(four.toType(DataType.FLOAT32, false), 2, 2)),
                    "codebookEntry: expected integer tokens", "got float32 (1, 4)");

            NDArray wide = m.zeros(new Shape(1, c.vqEmbedDim() + 1, 2, 2));
            assertMessage(assertThrows(ModelException.class, () -> vq.decode(wide)),
                    "decode: expected float [B ≥ 1, " + c.vqEmbedDim() + ", H, W] (vq_embed_dim", "got float32 (1, ");
            NDArray empty = m.zeros(new Shape(0, c.vqEmbedDim(), 2, 2));
            assertMessage(assertThrows(ModelException.class, () -> vq.decode(empty)),
                    "decode: expected float [B ≥ 1", "got float32 (0, ");
            assertMessage(assertThrows(ModelException.class, () -> vq.quantize(wide.get(0))),
                    "quantize: expected float [B ≥ 1, " + c.vqEmbedDim() + ", H, W]", "got float32 (");
            NDArray gray = m.zeros(new Shape(1, c.inChannels() + 1, 8, 8));
            assertMessage(assertThrows(ModelException.class, () -> vq.encode(gray)),
                    "encode: expected float [B ≥ 1, " + c.inChannels() + ", H, W] (in_channels", "got float32 (1, ");
            assertMessage(assertThrows(ModelException.class, () -> VqModel.toImage(wide.get(0))),
                    "toImage: expected decoded images [B, C, H, W]", "got (");
        }
    }

    /** Every call leaves exactly its result behind, in the input's manager; the model's manager does not grow. */
    @Test
    void callsKeepOnlyTheirResults() {
        try (NDManager weights = NDManager.newBaseManager(); NDManager caller = NDManager.newBaseManager();
             VqModel vq = VqModel.load(TinyVq.folder(), LoadOptions.cpuFloat32(), weights)) {
            VqConfig c = vq.config();
            int f = c.downsampleFactor();
            NDArray tokens = caller.zeros(new Shape(2, 6), DataType.INT64);
            NDArray images = caller.randomUniform(-1, 1, new Shape(2, c.inChannels(), 2L * f, 3L * f));
            int modelArrays = weights.getManagedArrays().size();
            int callerArrays = caller.getManagedArrays().size();
            Consumer<Executable> once = call -> {
                int before = caller.getManagedArrays().size();
                try {
                    call.execute();
                } catch (Throwable t) {
                    throw new AssertionError(t);
                }
                assertEquals(before + 1, caller.getManagedArrays().size(), "one result per call");
            };
            NDArray[] entry = new NDArray[1];
            once.accept(() -> entry[0] = vq.codebookEntry(tokens, 2, 3));
            once.accept(() -> vq.decode(entry[0]));
            once.accept(() -> vq.imageFromTokens(tokens, 2, 3));
            once.accept(() -> VqModel.toImage(entry[0]));
            once.accept(() -> vq.encode(images));
            once.accept(() -> vq.quantize(entry[0]));
            once.accept(() -> vq.tokensFromImage(images));
            assertEquals(callerArrays + 7, caller.getManagedArrays().size());
            assertEquals(modelArrays, weights.getManagedArrays().size(), "the model's manager is unchanged");
        }
    }

    private static VqModel build(ObjectNode config, Map<String, RawTensor> tensors) {
        try (NDManager m = NDManager.newBaseManager()) {
            return VqModel.create(TinyVq.read(config), TinyVq.weights(tensors, LoadOptions.cpuFloat32()), m);
        }
    }

    private static void assertMessage(Throwable e, String... parts) {
        for (String p : parts) {
            assertTrue(e.getMessage().contains(p), "message lacks '" + p + "': " + e.getMessage());
        }
    }
}
