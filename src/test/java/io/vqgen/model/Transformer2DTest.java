package io.vqgen.model;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.vqgen.weights.ComponentConfig;
import io.vqgen.weights.LoadOptions;
import io.vqgen.weights.ModelFolder;
import io.vqgen.weights.WeightsException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.util.function.Consumer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class Transformer2DTest {
    /**
     * components.json measured max |float64 run − float32 golden| ≤ 1.43e-6 for this module (over
     * t = 0, 1, 50, 99): the float32 rounding noise of the reference itself. Our float32 math with
     * other kernels lands at that scale; 1e-5 leaves a margin of about seven times and still fails
     * on any real mistake (a wrong norm, scale or activation moves log-probs by ≥ 1e-3).
     */
    private static final double TOLERANCE = 1e-5;

    @ParameterizedTest
    @CsvSource({"tiny-a,0", "tiny-a,1", "tiny-a,50", "tiny-a,99", "tiny-b,0", "tiny-b,1", "tiny-b,50", "tiny-b,99"})
    void matchesReferenceLogPx0(String tiny, int t) {
        try (NDManager m = NDManager.newBaseManager();
             Transformer2D transformer = Transformer2D.load(Goldens.model(tiny), LoadOptions.cpuFloat32(), m)) {
            NDArray latents = Goldens.component(m, tiny, "transformer_in_latents.npy");
            NDArray ehs = Goldens.component(m, tiny, "transformer_in_encoder_hidden_states.npy");
            NDArray logp = transformer.logPx0(latents, ehs, t);
            assertEquals(DataType.FLOAT32, logp.getDataType());
            double err = Goldens.maxAbsDiff(logp, Goldens.component(m, tiny, "transformer_out_t" + t + ".npy"));
            System.out.printf("%s transformer t=%d: max abs error %.3g%n", tiny, t, err);
            assertTrue(err < TOLERANCE, "max abs error " + err);
        }
    }

    /** The float64 log-softmax runs a block of rows at a time; every block size gives the same bits. */
    @Test
    void logSoftmaxInBlocksIsBitIdenticalToOneBlock() {
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray logits = m.randomNormal(new Shape(2, 37, 300)).mul(4f);
            NDArray whole = Transformer2D.logSoftmax(logits, Long.MAX_VALUE);
            assertEquals(new Shape(2, 300, 37), whole.getShape());
            NDArray expected = logits.toType(DataType.FLOAT64, false).logSoftmax(-1).toType(DataType.FLOAT32, false)
                    .transpose(0, 2, 1);
            assertArrayEquals(expected.toFloatArray(), whole.toFloatArray());
            for (long block : new long[] {1, 300, 7 * 300, 300 * 74 - 1}) {
                assertArrayEquals(whole.toFloatArray(), Transformer2D.logSoftmax(logits, block).toFloatArray(),
                        "blocks of " + block + " elements");
            }
        }
    }

    @Test
    void exposesTheConfiguration() {
        try (NDManager m = NDManager.newBaseManager();
             Transformer2D transformer = Transformer2D.load(Goldens.model("tiny-a"), LoadOptions.cpuFloat32(), m)) {
            assertEquals(12, transformer.numVectorEmbeds());
            assertEquals(11, transformer.maskClass());
            assertEquals(12, transformer.height());
            assertEquals(12, transformer.width());
            assertEquals(144, transformer.numLatentPixels());
            assertEquals(100, transformer.numEmbedsAdaNorm());
            assertEquals(32, transformer.crossAttentionDim());
            assertTrue(transformer.config().adaNorm(), "legacy norm_type layer_norm + num_embeds_ada_norm means ada_norm");
        }
    }

    @Test
    void runsInFloat16() {
        // float16 weights and activations (11 significant bits, step 2^-11 ≈ 4.9e-4 relative); log-probs
        // of 11 classes are O(1..10), so rounding through one block and the output layer stays well under 5e-2.
        try (NDManager m = NDManager.newBaseManager();
             Transformer2D transformer = Transformer2D.load(Goldens.model("tiny-b"), new LoadOptions(DataType.FLOAT16, Device.cpu()), m)) {
            NDArray latents = Goldens.component(m, "tiny-b", "transformer_in_latents.npy");
            NDArray ehs = Goldens.component(m, "tiny-b", "transformer_in_encoder_hidden_states.npy");
            NDArray logp = transformer.logPx0(latents, ehs, 50);
            assertEquals(DataType.FLOAT32, logp.getDataType());
            double err = Goldens.maxAbsDiff(logp, Goldens.component(m, "tiny-b", "transformer_out_t50.npy"));
            System.out.printf("tiny-b transformer in float16 t=50: max abs error %.3g%n", err);
            assertTrue(err < 5e-2, "float16 max abs error " + err);
        }
    }

    @Test
    void nativeMemoryStaysFlatOverRepeatedCalls() {
        try (NDManager m = NDManager.newBaseManager();
             Transformer2D transformer = Transformer2D.load(Goldens.model("tiny-b"), LoadOptions.cpuFloat32(), m)) {
            NDArray latents = Goldens.component(m, "tiny-b", "transformer_in_latents.npy");
            NDArray ehs = Goldens.component(m, "tiny-b", "transformer_in_encoder_hidden_states.npy");
            transformer.logPx0(latents, ehs, 99).close();
            int before = m.getManagedArrays().size(); // every live array of the caller and of the model (sub-managers included)
            for (int i = 0; i < 100; i++) {
                NDArray logp = transformer.logPx0(latents, ehs, 99 - i);
                assertEquals(latents.getManager(), logp.getManager(), "the result belongs to the caller");
                logp.close();
            }
            assertEquals(before, m.getManagedArrays().size(), "arrays left behind by 100 forward calls");
            assertEquals(m, latents.getManager(), "inputs are handed back after each call");
            assertEquals(m, ehs.getManager(), "inputs are handed back after each call");
        }
    }

    /**
     * Malformed values are refused by the config reader (WeightsException: file, key, what was expected, what was
     * found); well-formed ones this port cannot run by the model (ModelException).
     */
    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "num_vector_embeds|REMOVE|WeightsException|transformer/config.json: missing key 'num_vector_embeds' (expected an integer ≥ 2; Transformer2DModel has no default for it)",
            "num_vector_embeds|1|WeightsException|transformer/config.json: key 'num_vector_embeds' must be an integer ≥ 2, found 1",
            "sample_size|REMOVE|WeightsException|transformer/config.json: missing key 'sample_size' (expected an integer ≥ 1; Transformer2DModel has no default for it)",
            "sample_size|null|WeightsException|transformer/config.json: missing key 'sample_size' (expected an integer ≥ 1; Transformer2DModel has no default for it)",
            "num_attention_heads|\"two\"|WeightsException|transformer/config.json: key 'num_attention_heads' must be an integer ≥ 1, found \"two\"",
            "num_layers|0|WeightsException|transformer/config.json: key 'num_layers' must be an integer ≥ 1, found 0",
            "attention_head_dim|8.5|WeightsException|transformer/config.json: key 'attention_head_dim' must be an integer ≥ 1, found 8.5",
            "cross_attention_dim|-32|WeightsException|transformer/config.json: key 'cross_attention_dim' must be an integer ≥ 1, found -32",
            "num_embeds_ada_norm|true|WeightsException|transformer/config.json: key 'num_embeds_ada_norm' must be an integer ≥ 1, found true",
            "norm_eps|-1|WeightsException|transformer/config.json: key 'norm_eps' must be a number ≥ 0.0, found -1",
            "norm_eps|\"1e-5\"|WeightsException|transformer/config.json: key 'norm_eps' must be a number ≥ 0.0, found \"1e-5\"",
            "activation_fn|3|WeightsException|transformer/config.json: key 'activation_fn' must be a string, found 3",
            "attention_bias|1|WeightsException|transformer/config.json: key 'attention_bias' must be true or false, found 1",
            "_class_name|\"UNet2DModel\"|WeightsException|transformer/config.json: _class_name is \"UNet2DModel\", expected 'Transformer2DModel'",
            "in_channels|4|ModelException|transformer/config.json: in_channels/patch_size select the continuous or patched input path; only the discrete path (num_vector_embeds) is supported",
            "norm_type|\"ada_norm_zero\"|ModelException|transformer/config.json: norm_type 'ada_norm_zero' is not supported (supported: ada_norm, layer_norm)",
            "activation_fn|\"mish\"|ModelException|transformer/config.json: activation_fn 'mish' is not supported (supported: gelu, gelu-approximate, geglu, geglu-approximate)",
            "double_self_attention|true|ModelException|transformer/config.json: double_self_attention true is not supported by this port of Transformer2DModel",
            "attention_type|\"gated\"|ModelException|transformer/config.json: attention_type 'gated' is not supported by this port of Transformer2DModel"})
    void refusesBadConfig(String key, String value, String type, String message) {
        ObjectNode config = tinyBConfig();
        if (value.equals("REMOVE")) {
            config.remove(key);
        } else {
            config.set(key, ConfigJson.parse(value));
        }
        RuntimeException e = assertThrows(RuntimeException.class, () -> read(config));
        assertEquals(type, e.getClass().getSimpleName(), e.toString());
        assertEquals(message, e.getMessage());
    }

    /** Keys absent from the file take the defaults of diffusers 0.24.0's Transformer2DModel signature. */
    @Test
    void absentKeysTakeDiffusersDefaults() {
        ObjectNode minimal = new ObjectMapper().createObjectNode();
        minimal.put("num_vector_embeds", 12);
        minimal.put("sample_size", 4);
        Transformer2DConfig c = read(minimal);
        assertEquals(new Transformer2DConfig(16, 88, 1, null, false, 4, 12, "geglu", null, false, false, true, 1e-5), c);
    }

    @Test
    void refusesAdaNormWithoutEmbeddingCount() {
        ObjectNode config = tinyBConfig();
        config.putNull("num_embeds_ada_norm");
        ModelException e = assertThrows(ModelException.class, () -> read(config));
        assertEquals("transformer/config.json: norm_type 'ada_norm' needs num_embeds_ada_norm", e.getMessage());
    }

    private static ObjectNode tinyBConfig() {
        return (ObjectNode) Goldens.model("tiny-b").config("transformer").json().deepCopy();
    }

    private static Transformer2DConfig read(JsonNode json) {
        return Transformer2DConfig.from(new ComponentConfig("transformer/config.json", json));
    }

    @Test
    void refusesWeightsOfAnotherShape() {
        WeightsException e = loadWith("tiny-b", c -> c.put("attention_head_dim", 36));
        assertTrue(e.getMessage().contains("tensor 'latent_image_embedding.emb.weight'")
                && e.getMessage().contains("has shape [12, 144], expected [12, 72]"), e.getMessage());
    }

    @Test
    void refusesMissingBlockWeights() {
        WeightsException e = loadWith("tiny-a", c -> c.put("num_layers", 2));
        assertTrue(e.getMessage().contains("missing tensor 'transformer_blocks.1.norm1.emb.weight'"), e.getMessage());
    }

    @Test
    void refusesUnusedBlockWeights() {
        WeightsException e = loadWith("tiny-b", c -> c.put("num_layers", 1));
        assertTrue(e.getMessage().contains("unexpected tensor(s)") && e.getMessage().contains("transformer_blocks.1.attn1.to_k.bias"),
                e.getMessage());
    }

    @Test
    void refusesBadInputs() {
        try (NDManager m = NDManager.newBaseManager();
             Transformer2D transformer = Transformer2D.load(Goldens.model("tiny-a"), LoadOptions.cpuFloat32(), m)) {
            NDArray latents = Goldens.component(m, "tiny-a", "transformer_in_latents.npy");
            NDArray ehs = Goldens.component(m, "tiny-a", "transformer_in_encoder_hidden_states.npy");
            assertBad("transformer: tokens must be int64 [batch, 144] (a 12×12 grid), got int64 (2, 143)",
                    () -> transformer.logPx0(latents.get(":, :143"), ehs, 0));
            assertBad("transformer: tokens must be int64 [batch, 144] (a 12×12 grid), got float32 (2, 144)",
                    () -> transformer.logPx0(latents.toType(DataType.FLOAT32, false), ehs, 0));
            assertBad("transformer: encoder hidden states must be float [2, tokens, 32], got float32 (1, 77, 32)",
                    () -> transformer.logPx0(latents, ehs.get(":1"), 0));
            assertBad("transformer: encoder hidden states must be float [2, tokens, 32], got float32 (2, 77, 31)",
                    () -> transformer.logPx0(latents, ehs.get(":, :, :31"), 0));
            assertBad("transformer: encoder hidden states are required (the model has cross-attention)",
                    () -> transformer.logPx0(latents, null, 0));
            assertBad("transformer: timestep must be in [0, 100), got 100", () -> transformer.logPx0(latents, ehs, 100));
            assertBad("transformer: timestep must be in [0, 100), got -1", () -> transformer.logPx0(latents, ehs, -1));
            NDArray outOfRange = latents.duplicate();
            outOfRange.set(new ai.djl.ndarray.index.NDIndex("1, 7"), 12);
            assertBad("transformer: tokens must be in [0, 12), found values from 0 to 12", () -> transformer.logPx0(outOfRange, ehs, 0));
        }
    }

    /**
     * Configurations the reference has no checkpoint for, with random weights named and shaped as
     * diffusers names them: each must load (every weight used, none missing) and give normalised
     * log-probabilities. Values are checked against the goldens only for the ITHQ-style configs above.
     */
    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "activation_fn|\"gelu\"",
            "activation_fn|\"gelu-approximate\"",
            "activation_fn|\"geglu\"",
            "attention_bias|false",
            "num_embeds_ada_norm|null",
            "only_cross_attention|true",
            "cross_attention_dim|null",
            "upcast_attention|true",
            "norm_elementwise_affine|false",
            "num_attention_heads|3"})
    void runsConfigurationVariants(String key, String value) {
        Transformer2DConfig c = read(tinyConfig(o -> o.set(key, ConfigJson.parse(value))));
        try (NDManager m = NDManager.newBaseManager();
             Transformer2D transformer = Transformer2D.create(c, SyntheticWeights.transformer(c, 7), m)) {
            NDArray tokens = m.randomInteger(0, c.numVectorEmbeds(), new Shape(3, c.numLatentPixels()), DataType.INT64);
            NDArray text = c.crossAttentionDim() == null ? null : m.randomNormal(new Shape(3, 77, c.crossAttentionDim()));
            NDArray logp = transformer.logPx0(tokens, text, 42);
            assertEquals(new Shape(3, c.numVectorEmbeds() - 1, c.numLatentPixels()), logp.getShape());
            NDArray total = logp.exp().sum(new int[] {1});
            assertTrue(total.sub(1f).abs().max().getFloat() < 1e-5, "probabilities over classes sum to 1");
        }
    }

    @Test
    void onlyGegluIsGated() {
        for (String activation : new String[] {"gelu", "gelu-approximate", "geglu", "geglu-approximate"}) {
            Transformer2DConfig c = read(tinyConfig(o -> o.put("activation_fn", activation)));
            assertEquals(activation.equals("geglu"), c.feedForwardGated(), activation);
        }
    }

    private static ObjectNode tinyConfig(Consumer<ObjectNode> edit) {
        ObjectNode config = (ObjectNode) Goldens.model("tiny-a").config("transformer").json().deepCopy();
        edit.accept(config);
        return config;
    }

    private static WeightsException loadWith(String tiny, Consumer<ObjectNode> edit) {
        ModelFolder folder = Goldens.model(tiny);
        ObjectNode config = (ObjectNode) folder.config("transformer").json().deepCopy();
        edit.accept(config);
        try (NDManager m = NDManager.newBaseManager()) {
            WeightsException e = assertThrows(WeightsException.class,
                    () -> Transformer2D.create(read(config), folder.weights("transformer", LoadOptions.cpuFloat32()), m));
            assertEquals(0, m.getManagedArrays().size(), "weights bound before the failure are freed");
            return e;
        }
    }

    private static void assertBad(String message, org.junit.jupiter.api.function.Executable call) {
        ModelException e = assertThrows(ModelException.class, call);
        assertEquals(message, e.getMessage());
    }
}
