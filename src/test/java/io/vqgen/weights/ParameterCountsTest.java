package io.vqgen.weights;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.vqgen.Reference;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.util.OptionalLong;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The config → parameter count formulas against counts PyTorch reported for the bench-shaped model. */
class ParameterCountsTest {

    @Test
    void matchPyTorchCountsOfTheBenchModel() throws IOException {
        JsonNode params = new ObjectMapper().readTree(Reference.path("bench", "bench_diffusers.json").toFile()).get("params");
        ModelFolder bench = ModelFolder.open(Reference.path("bench", "config"));
        assertEquals(params.get("text_encoder").asLong(), ParameterCounts.clipText(config(bench, "text_encoder")));
        assertEquals(OptionalLong.of(params.get("transformer").asLong()),
                ParameterCounts.discreteTransformer(config(bench, "transformer")));
        assertEquals(OptionalLong.of(params.get("vqvae").asLong()), ParameterCounts.vqModel(config(bench, "vqvae")));
        assertEquals(params.get(ModelFolder.CF_EMBEDDINGS).asLong(),
                ParameterCounts.classifierFreeEmbeddings(config(bench, ModelFolder.CF_EMBEDDINGS)));
    }

    @Test
    void leaveUnmodelledOptionsUnchecked() throws IOException {
        ModelFolder bench = ModelFolder.open(Reference.path("bench", "config"));
        ObjectNode transformer = (ObjectNode) bench.config("transformer").deepCopy();
        transformer.put("norm_type", "ada_norm_zero");
        assertTrue(ParameterCounts.discreteTransformer(new ComponentConfig("transformer", transformer)).isEmpty());
        ObjectNode vq = (ObjectNode) bench.config("vqvae").deepCopy();
        vq.put("norm_type", "spatial");
        assertTrue(ParameterCounts.vqModel(new ComponentConfig("vqvae", vq)).isEmpty());
    }

    private static ComponentConfig config(ModelFolder folder, String component) {
        return new ComponentConfig(component, folder.config(component));
    }
}
