package io.vqgen.weights;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import ai.djl.ndarray.NDManager;
import io.vqgen.Reference;
import io.vqgen.model.vq.VqConfig;
import io.vqgen.model.vq.VqModel;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.InputStream;
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
        ObjectNode transformer = (ObjectNode) bench.config("transformer").json().deepCopy();
        transformer.put("norm_type", "ada_norm_zero");
        assertTrue(ParameterCounts.discreteTransformer(read(transformer, "Transformer2DModel")).isEmpty());
        ObjectNode vq = (ObjectNode) bench.config("vqvae").json().deepCopy();
        vq.put("norm_type", "spatial");
        assertTrue(ParameterCounts.vqModel(read(vq, "VQModel")).isEmpty());
    }

    /**
     * microsoft/vq-diffusion-ithq's VQ-VAE layout (Attn blocks at the deepest level): the formula counts what
     * VqModel asks for when built from the ithq preset's config (a synthesizing state dict records every weight;
     * nothing of the 5.5 GB preset is written), and Attn blocks / mid_block_add_attention change the count by one
     * attention (group norm and four [C, C] projections) per resnet.
     */
    @Test
    void countWhatVqModelAsksForWithAttentionBlocks() throws IOException {
        JsonNode ithq;
        try (InputStream in = ParameterCountsTest.class.getResourceAsStream("/io/vqgen/presets/ithq/vqvae/config.json")) {
            ithq = new ObjectMapper().readTree(in);
        }
        StateDict asked = StateDict.synthesizing(VqModel.COMPONENT, 0, LoadOptions.cpuFloat32());
        try (NDManager m = NDManager.newBaseManager()) {
            VqModel.create(VqConfig.from(read(ithq, "VQModel")), asked, m).close();
        }
        long total = asked.tensors().values().stream().mapToLong(RawTensor::elementCount).sum();
        assertTrue(asked.tensors().containsKey("encoder.down_blocks.3.attentions.1.to_out.0.weight"));
        assertTrue(asked.tensors().containsKey("decoder.up_blocks.0.attentions.2.group_norm.bias"));
        assertEquals(OptionalLong.of(total), ParameterCounts.vqModel(read(ithq, "VQModel")));

        ObjectNode plain = (ObjectNode) ithq.deepCopy();
        plain.putArray("down_block_types").add("DownEncoderBlock2D").add("DownEncoderBlock2D").add("DownEncoderBlock2D")
                .add("DownEncoderBlock2D");
        plain.putArray("up_block_types").add("UpDecoderBlock2D").add("UpDecoderBlock2D").add("UpDecoderBlock2D")
                .add("UpDecoderBlock2D");
        plain.put("mid_block_add_attention", false);
        JsonNode channels = ithq.get("block_out_channels");
        long c = channels.get(channels.size() - 1).asLong();
        long attention = 2 * c + 4 * (c * c + c);
        // 2 + 3 resnets in the Attn blocks, and the two mid blocks
        assertEquals(OptionalLong.of(total - 7 * attention), ParameterCounts.vqModel(read(plain, "VQModel")));

        ObjectNode unknown = (ObjectNode) ithq.deepCopy();
        unknown.putArray("up_block_types").add("CrossAttnUpBlock2D").add("UpDecoderBlock2D").add("UpDecoderBlock2D")
                .add("UpDecoderBlock2D");
        assertTrue(ParameterCounts.vqModel(read(unknown, "VQModel")).isEmpty());
    }

    private static ComponentConfig config(ModelFolder folder, String component) {
        String className = folder.components().get(component).get(1);
        return folder.config(component).as(className);
    }

    private static ComponentConfig read(JsonNode json, String className) {
        return new ComponentConfig("config.json", json).as(className);
    }
}
