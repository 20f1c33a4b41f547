package io.vqgen.model;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.vqgen.model.layers.Activation;
import io.vqgen.weights.ComponentConfig;
import io.vqgen.weights.LoadOptions;
import io.vqgen.weights.ModelFolder;
import io.vqgen.weights.WeightsException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ClipTextEncoderTest {
    /**
     * components.json measured max |float64 run − float32 golden| = 8.0e-7 for this module: the
     * float32 rounding noise of the reference itself. A port doing the same float32 math with other
     * kernels (libtorch 2.7 vs 1.13, other reduction order) lands at that scale; 1e-5 leaves ten times
     * that margin and still catches any real mistake (a wrong eps, scale or mask shifts values by ≥ 1e-3).
     */
    private static final double TOLERANCE = 1e-5;

    @ParameterizedTest
    @ValueSource(strings = {"tiny-a", "tiny-b"})
    void matchesReferenceLastHiddenStateAndNormalizedEmbeddings(String tiny) {
        ModelFolder folder = Goldens.model(tiny);
        try (NDManager m = NDManager.newBaseManager();
             ClipTextEncoder encoder = ClipTextEncoder.load(folder, LoadOptions.cpuFloat32(), m)) {
            NDArray ids = Goldens.component(m, tiny, "text_input_ids.npy");
            double hidden = Goldens.maxAbsDiff(encoder.lastHiddenState(ids), Goldens.component(m, tiny, "text_last_hidden_state.npy"));
            double normalized = Goldens.maxAbsDiff(encoder.encodeNormalized(ids), Goldens.component(m, tiny, "text_embeds_normalized.npy"));
            System.out.printf("%s text encoder: max abs error last_hidden_state %.3g, normalized %.3g%n", tiny, hidden, normalized);
            assertTrue(hidden < TOLERANCE, "last_hidden_state max abs error " + hidden);
            assertTrue(normalized < TOLERANCE, "normalized max abs error " + normalized);
        }
    }

    @Test
    void nativeMemoryStaysFlatOverRepeatedCalls() {
        try (NDManager m = NDManager.newBaseManager();
             ClipTextEncoder encoder = ClipTextEncoder.load(Goldens.model("tiny-b"), LoadOptions.cpuFloat32(), m)) {
            NDArray ids = Goldens.component(m, "tiny-b", "text_input_ids.npy");
            encoder.encodeNormalized(ids).close();
            int before = m.getManagedArrays().size(); // the caller's arrays and the model's (sub-managers included)
            for (int i = 0; i < 50; i++) {
                NDArray embeddings = encoder.encodeNormalized(ids);
                assertEquals(m, embeddings.getManager(), "the result belongs to the caller");
                embeddings.close();
                encoder.lastHiddenState(ids).close();
            }
            assertEquals(before, m.getManagedArrays().size(), "arrays left behind by 100 forward calls");
            assertEquals(m, ids.getManager(), "the input is handed back after each call");
        }
    }

    @Test
    void shorterSequencesUseTheFirstPositions() {
        // causal attention: the first S outputs of a 77-token run only see the first S tokens
        try (NDManager m = NDManager.newBaseManager();
             ClipTextEncoder encoder = ClipTextEncoder.load(Goldens.model("tiny-a"), LoadOptions.cpuFloat32(), m)) {
            NDArray ids = Goldens.component(m, "tiny-a", "text_input_ids.npy");
            NDArray golden = Goldens.component(m, "tiny-a", "text_last_hidden_state.npy");
            NDArray prefix = encoder.lastHiddenState(ids.get(":, :9"));
            assertTrue(Goldens.maxAbsDiff(prefix, golden.get(":, :9, :")) < TOLERANCE);
        }
    }

    @Test
    void runsInFloat16() {
        // float16 keeps 11 significant bits (relative step 2^-11 ≈ 4.9e-4); the normalised embeddings are
        // O(0.1..1) and five layers accumulate rounding, so 5e-3 absolute (ten times the 2^-11 step) bounds that noise.
        // (bfloat16 cannot be tested here: DJL 0.36 aborts the JVM when it creates a bfloat16 array on CPU.)
        try (NDManager m = NDManager.newBaseManager();
             ClipTextEncoder encoder = ClipTextEncoder.load(Goldens.model("tiny-a"), new LoadOptions(DataType.FLOAT16, Device.cpu()), m)) {
            NDArray ids = Goldens.component(m, "tiny-a", "text_input_ids.npy");
            NDArray out = encoder.encodeNormalized(ids);
            assertEquals(DataType.FLOAT32, out.getDataType());
            double err = Goldens.maxAbsDiff(out, Goldens.component(m, "tiny-a", "text_embeds_normalized.npy"));
            System.out.printf("tiny-a text encoder in float16: max abs error normalized %.3g%n", err);
            assertTrue(err < 5e-3, "float16 max abs error " + err);
        }
    }

    /** Keys absent from the file take transformers 4.30's CLIPTextConfig defaults (openai/clip-vit-base-patch32's text tower). */
    @Test
    void absentKeysTakeTransformersDefaults() {
        assertEquals(new ClipTextConfig(512, 2048, 8, 12, 49408, 77, 1e-5, Activation.QUICK_GELU),
                read(new ObjectMapper().createObjectNode()));
        ModelFolder folder = Goldens.model("tiny-a");
        ObjectNode config = textConfig(folder);
        config.remove("hidden_size");
        try (NDManager m = NDManager.newBaseManager()) {
            WeightsException e = assertThrows(WeightsException.class,
                    () -> ClipTextEncoder.create(read(config), folder.weights("text_encoder", LoadOptions.cpuFloat32()), m));
            assertTrue(e.getMessage().contains("tensor 'text_model.embeddings.token_embedding.weight'")
                    && e.getMessage().contains("has shape [1000, 32], expected [1000, 512]"), e.getMessage());
        }
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "hidden_size|0|WeightsException|text_encoder/config.json: key 'hidden_size' must be an integer ≥ 1, found 0",
            "num_hidden_layers|\"12\"|WeightsException|text_encoder/config.json: key 'num_hidden_layers' must be an integer ≥ 1, found \"12\"",
            "vocab_size|4.9e4|WeightsException|text_encoder/config.json: key 'vocab_size' must be an integer ≥ 1, found 49000.0",
            "layer_norm_eps|-0.1|WeightsException|text_encoder/config.json: key 'layer_norm_eps' must be a number ≥ 0.0, found -0.1",
            "hidden_act|false|WeightsException|text_encoder/config.json: key 'hidden_act' must be a string, found false",
            "hidden_act|\"snake\"|ModelException|text_encoder/config.json: hidden_act 'snake' is not supported (supported: quick_gelu, gelu, gelu_new, gelu_pytorch_tanh, gelu_fast, relu, silu, swish)",
            "num_attention_heads|5|ModelException|text_encoder/config.json: hidden_size 32 is not divisible by num_attention_heads 5"})
    void refusesBadConfig(String key, String value, String type, String message) throws Exception {
        ObjectNode config = textConfig(Goldens.model("tiny-a"));
        config.set(key, new ObjectMapper().readTree(value));
        RuntimeException e = assertThrows(RuntimeException.class, () -> read(config));
        assertEquals(type, e.getClass().getSimpleName(), e.toString());
        assertEquals(message, e.getMessage());
    }

    @Test
    void refusesWeightsOfAnotherShape() {
        ModelFolder folder = Goldens.model("tiny-a");
        ObjectNode config = textConfig(folder);
        config.put("intermediate_size", 64);
        try (NDManager m = NDManager.newBaseManager()) {
            WeightsException e = assertThrows(WeightsException.class,
                    () -> ClipTextEncoder.create(read(config), folder.weights("text_encoder", LoadOptions.cpuFloat32()), m));
            assertTrue(e.getMessage().contains("tensor 'text_model.encoder.layers.0.mlp.fc1.weight'")
                    && e.getMessage().contains("has shape [37, 32], expected [64, 32]"), e.getMessage());
        }
    }

    @Test
    void refusesUnusedWeights() {
        ModelFolder folder = Goldens.model("tiny-a");
        ObjectNode config = textConfig(folder);
        config.put("num_hidden_layers", 4);
        try (NDManager m = NDManager.newBaseManager()) {
            WeightsException e = assertThrows(WeightsException.class,
                    () -> ClipTextEncoder.create(read(config), folder.weights("text_encoder", LoadOptions.cpuFloat32()), m));
            assertTrue(e.getMessage().contains("text_model.encoder.layers.4.layer_norm1.bias"), e.getMessage());
        }
    }

    private static ObjectNode textConfig(ModelFolder folder) {
        return (ObjectNode) folder.config("text_encoder").json().deepCopy();
    }

    private static ClipTextConfig read(JsonNode json) {
        return ClipTextConfig.from(new ComponentConfig("text_encoder/config.json", json));
    }

    @Test
    void refusesBadIds() {
        try (NDManager m = NDManager.newBaseManager();
             ClipTextEncoder encoder = ClipTextEncoder.load(Goldens.model("tiny-a"), LoadOptions.cpuFloat32(), m)) {
            ModelException wrongType = assertThrows(ModelException.class,
                    () -> encoder.lastHiddenState(m.zeros(new Shape(1, 77), DataType.INT32)));
            assertEquals("text encoder: ids must be int64 [batch, 1..77], got int32 (1, 77)", wrongType.getMessage());
            ModelException tooLong = assertThrows(ModelException.class,
                    () -> encoder.lastHiddenState(m.zeros(new Shape(1, 78), DataType.INT64)));
            assertEquals("text encoder: ids must be int64 [batch, 1..77], got int64 (1, 78)", tooLong.getMessage());
            NDArray outOfVocab = m.zeros(new Shape(1, 77), DataType.INT64);
            outOfVocab.set(new ai.djl.ndarray.index.NDIndex("0, 5"), 1000);
            ModelException range = assertThrows(ModelException.class, () -> encoder.encodeNormalized(outOfVocab));
            assertEquals("text encoder: token ids must be in [0, 1000), found values from 0 to 1000", range.getMessage());
        }
    }
}
