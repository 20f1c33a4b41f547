package io.vqgen.weights;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.io.IOException;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The one config reader: values, the reference classes' defaults, and a message for every refused value. */
class ComponentConfigTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    private static ComponentConfig config(String json) throws IOException {
        return new ComponentConfig("m/c/config.json", JSON.readTree(json));
    }

    private static String refused(Executable read) {
        return assertThrows(WeightsException.class, read).getMessage();
    }

    @Test
    void readsValuesOfEveryType() throws IOException {
        ComponentConfig c = config("{\"n\": 7, \"x\": 0.5, \"e\": 1e-6, \"b\": true, \"s\": \"geglu\", \"ns\": [1, 2],"
                + " \"ss\": [\"a\", \"b\"], \"z\": null}");
        assertEquals(7, c.integer("n", 1));
        assertEquals(7, c.optionalInteger("n", 7));
        assertEquals(0.5, c.number("x", 0, 1));
        assertEquals(1e-6, c.number("e", 0, Double.MAX_VALUE));
        assertTrue(c.flag("b"));
        assertEquals("geglu", c.text("s"));
        assertArrayEquals(new int[] {1, 2}, c.integers("ns", 1));
        assertEquals(List.of("a", "b"), c.texts("ss"));
        assertTrue(c.isSet("n"));
        assertFalse(c.isSet("z"), "null is not a value");
        assertFalse(c.isSet("absent"));
        assertNull(c.optionalInteger("z", 1));
    }

    /** Absent and null keys take the constructor defaults of the class the config is read as. */
    @Test
    void absentKeysTakeTheReferenceClassDefaults() throws IOException {
        ComponentConfig empty = config("{}");
        ComponentConfig transformer = empty.as("Transformer2DModel");
        assertEquals(16, transformer.integer("num_attention_heads", 1));
        assertEquals(88, transformer.integer("attention_head_dim", 1));
        assertEquals(1, transformer.integer("num_layers", 1));
        assertEquals("geglu", transformer.text("activation_fn"));
        assertEquals("layer_norm", transformer.text("norm_type"));
        assertEquals(1e-5, transformer.number("norm_eps", 0, 1));
        assertTrue(transformer.flag("norm_elementwise_affine"));
        assertNull(transformer.optionalInteger("cross_attention_dim", 1), "Optional[int] = None");
        assertNull(transformer.optionalInteger("num_embeds_ada_norm", 1));

        ComponentConfig clip = empty.as("CLIPTextModel");
        assertEquals(512, clip.integer("hidden_size", 1));
        assertEquals(2048, clip.integer("intermediate_size", 1));
        assertEquals(8, clip.integer("num_attention_heads", 1));
        assertEquals(12, clip.integer("num_hidden_layers", 1));
        assertEquals(49408, clip.integer("vocab_size", 1));
        assertEquals(77, clip.integer("max_position_embeddings", 1));
        assertEquals("quick_gelu", clip.text("hidden_act"));

        ComponentConfig vq = empty.as("VQModel");
        assertArrayEquals(new int[] {64}, vq.integers("block_out_channels", 1));
        assertEquals(List.of("DownEncoderBlock2D"), vq.texts("down_block_types"));
        assertEquals(256, vq.integer("num_vq_embeddings", 1));
        assertEquals("silu", vq.text("act_fn"));
        assertNull(vq.optionalInteger("vq_embed_dim", 1));

        ComponentConfig scheduler = config("{\"num_train_timesteps\": null}").as("VQDiffusionScheduler");
        assertEquals(100, scheduler.integer("num_train_timesteps", 2), "null takes the default too");
        assertEquals(0.99999, scheduler.number("alpha_cum_start", 0, 1));
        assertEquals(0.000009, scheduler.number("alpha_cum_end", 0, 1));

        assertEquals(3, config("{\"num_layers\": 3}").as("Transformer2DModel").integer("num_layers", 1),
                "the file's value wins");

        // vqgen's own keys for the research release's models default to diffusers' behaviour
        assertEquals("nearest", vq.text("quantizer"));
        assertNull(vq.optionalInteger("num_tokens", 1));
        assertEquals("prediction", scheduler.choice("last_step", "prediction", "posterior"));
        ComponentConfig classes = empty.as("VQDiffusionClassTransformer");
        assertNull(classes.optionalInteger("position_grid", 1));
        assertEquals("m/c/config.json: missing key 'num_classes' (expected an integer ≥ 1; VQDiffusionClassTransformer"
                + " has no default for it)", refused(() -> classes.integer("num_classes", 1)));
    }

    @Test
    void readsAChoiceAndTheDeclaredClass() throws IOException {
        ComponentConfig c = config("{\"_class_name\": \"VQModel\", \"q\": \"gumbel\", \"n\": 3}");
        assertEquals("VQModel", c.declaredClass());
        assertNull(config("{}").declaredClass());
        assertEquals("gumbel", c.choice("q", "nearest", "gumbel"));
        assertEquals("m/c/config.json: key 'q' must be one of 'nearest', 'posterior', found \"gumbel\"",
                refused(() -> c.choice("q", "nearest", "posterior")));
        assertEquals("m/c/config.json: key 'n' must be one of 'a', 'b', found 3", refused(() -> c.choice("n", "a", "b")));
    }

    @Test
    void keysWithoutADefaultMustBePresent() throws IOException {
        ComponentConfig empty = config("{}");
        assertEquals("m/c/config.json: missing key 'num_vec_classes' (expected an integer ≥ 2; VQDiffusionScheduler has"
                + " no default for it)", refused(() -> empty.as("VQDiffusionScheduler").integer("num_vec_classes", 2)));
        assertEquals("m/c/config.json: missing key 'learnable' (expected true or false; "
                        + "LearnedClassifierFreeSamplingEmbeddings has no default for it)",
                refused(() -> empty.as("LearnedClassifierFreeSamplingEmbeddings").flag("learnable")));
        assertEquals("m/c/config.json: missing key 'sample_size' (expected an integer ≥ 1; Transformer2DModel has no"
                + " default for it)", refused(() -> empty.as("Transformer2DModel").integer("sample_size", 1)));
        assertEquals("m/c/config.json: missing key 'x' (expected a string)", refused(() -> empty.text("x")));
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "integer|\"4\"|must be an integer ≥ 1, found \"4\"",
            "integer|4.0|must be an integer ≥ 1, found 4.0",
            "integer|0|must be an integer ≥ 1, found 0",
            "integer|3000000000|must be an integer ≥ 1, found 3000000000",
            "integer|[4]|must be an integer ≥ 1, found [4]",
            "integers|[]|must be a non-empty list of integers ≥ 1, found []",
            "integers|4|must be a non-empty list of integers ≥ 1, found 4",
            "integers|[4, \"8\"]|must be a non-empty list of integers ≥ 1, found [4,\"8\"]",
            "integers|[4, 0]|must be a non-empty list of integers ≥ 1, found [4,0]",
            "number|\"0.5\"|must be a number in [0.0, 1.0], found \"0.5\"",
            "number|1.01|must be a number in [0.0, 1.0], found 1.01",
            "number|-1e-9|must be a number in [0.0, 1.0], found -1.0E-9",
            "flag|\"true\"|must be true or false, found \"true\"",
            "flag|1|must be true or false, found 1",
            "text|false|must be a string, found false",
            "texts|\"a\"|must be a non-empty list of strings, found \"a\"",
            "texts|[\"a\", null]|must be a non-empty list of strings, found [\"a\",null]"})
    void refusesEveryMalformedValueNamingFileKeyAndExpectation(String getter, String value, String expected)
            throws IOException {
        ComponentConfig c = config("{\"k\": " + value + "}");
        Executable read = switch (getter) {
            case "integer" -> () -> c.integer("k", 1);
            case "integers" -> () -> c.integers("k", 1);
            case "number" -> () -> c.number("k", 0, 1);
            case "flag" -> () -> c.flag("k");
            case "text" -> () -> c.text("k");
            case "texts" -> () -> c.texts("k");
            default -> throw new IllegalArgumentException(getter);
        };
        assertEquals("m/c/config.json: key 'k' must be " + expected.substring("must be ".length()), refused(read));
        if (getter.equals("integer")) {
            assertEquals("m/c/config.json: key 'k' " + expected, refused(() -> c.optionalInteger("k", 1)));
        }
    }

    @Test
    void refusesAnotherClassAndANonObject() throws IOException {
        assertEquals("m/c/config.json: _class_name is \"VQModel\", expected 'Transformer2DModel'",
                refused(() -> config("{\"_class_name\": \"VQModel\"}").as("Transformer2DModel")));
        assertEquals("m/c/config.json: expected a JSON object", refused(() -> config("[1, 2]")));
        JsonNode nothing = null;
        assertEquals("x: expected a JSON object", refused(() -> new ComponentConfig("x", nothing)));
        IllegalArgumentException unknown = assertThrows(IllegalArgumentException.class, () -> config("{}").as("UNet"));
        assertTrue(unknown.getMessage().startsWith("no defaults known for class UNet"), unknown.getMessage());
    }
}
