package io.vqgen.weights;

import ai.djl.ndarray.NDManager;
import com.fasterxml.jackson.databind.JsonNode;
import io.vqgen.Reference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import static io.vqgen.weights.TestCheckpoints.Tensor;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ModelFolderTest {
    private static final String INDEX = """
            {"_class_name": "VQDiffusionPipeline",
             "transformer": ["diffusers", "Transformer2DModel"],
             "learned_classifier_free_sampling_embeddings": ["vq_diffusion", "LearnedClassifierFreeSamplingEmbeddings"],
             "safety_checker": [null, null]}""";

    @TempDir
    Path tmp;

    private Path component() throws IOException {
        TestCheckpoints.json(tmp.resolve("model_index.json"), INDEX);
        Path dir = tmp.resolve("transformer");
        TestCheckpoints.json(dir.resolve("config.json"), "{\"num_layers\": 1}");
        return dir;
    }

    private static Map<String, Tensor> one(String name, float value) {
        return Map.of(name, Tensor.f32(new long[] {1}, value));
    }

    private static float value(StateDict sd, String name) {
        try (NDManager m = NDManager.newBaseManager()) {
            return sd.takeFloat(m, name, 1).toFloatArray()[0];
        }
    }

    private static void assertMessage(Runnable r, String... parts) {
        WeightsException e = assertThrows(WeightsException.class, r::run);
        for (String p : parts) {
            assertTrue(e.getMessage().contains(p), "expected '" + p + "' in: " + e.getMessage());
        }
    }

    /** Every weight of the reference tiny models loads with the shape it was stored with and nothing is left over. */
    @ParameterizedTest
    @ValueSource(strings = {"tiny-a", "tiny-b", "tiny-b-bin"})
    void loadsReferenceModels(String model) {
        ModelFolder folder = ModelFolder.open(Reference.path(model, "model"));
        assertEquals("VQDiffusionPipeline", folder.pipelineClass());
        assertEquals(List.of(), folder.missingComponents());
        assertEquals(100, folder.config("scheduler").json().get("num_train_timesteps").asInt());
        JsonNode cf = folder.config(ModelFolder.CF_EMBEDDINGS).json();
        try (NDManager m = NDManager.newBaseManager()) {
            for (String c : List.of("text_encoder", "transformer", "vqvae", ModelFolder.CF_EMBEDDINGS)) {
                StateDict sd = folder.weights(c, LoadOptions.cpuFloat32());
                for (RawTensor t : sd.tensors().values()) {
                    sd.take(m, t.name(), t.shape());
                }
                sd.checkAllTaken();
            }
            StateDict emb = folder.weights(ModelFolder.CF_EMBEDDINGS, LoadOptions.cpuFloat32());
            long[] expected = cf.get("learnable").asBoolean()
                    ? new long[] {cf.get("length").asLong(), cf.get("hidden_size").asLong()} : new long[] {0};
            assertArrayEquals(expected, emb.tensors().get("embeddings").shape());
        }
    }

    @Test
    void reportsMissingModelIndexAndFolder() throws IOException {
        assertMessage(() -> ModelFolder.open(tmp.resolve("nope")), "nope: model folder not found");
        assertMessage(() -> ModelFolder.open(tmp), tmp.resolve("model_index.json") + ": missing");
        TestCheckpoints.json(tmp.resolve("model_index.json"), "{not json");
        assertMessage(() -> ModelFolder.open(tmp), "model_index.json: not valid JSON");
        TestCheckpoints.json(tmp.resolve("model_index.json"), "[1, 2]");
        assertMessage(() -> ModelFolder.open(tmp), "model_index.json: expected a JSON object");
    }

    @Test
    void reportsMissingConfig() throws IOException {
        Path dir = component();
        Files.delete(dir.resolve("config.json"));
        ModelFolder folder = ModelFolder.open(tmp);
        assertMessage(() -> folder.config("transformer"), dir.resolve("config.json") + ": missing (component 'transformer' needs its config.json)");
        assertMessage(() -> folder.config("vqvae"), "component folder 'vqvae' is missing");
        assertMessage(() -> folder.config("../etc"), "invalid component name '../etc'");
    }

    @Test
    void classifierFreeEmbeddingsMayBeAbsent() throws IOException {
        Path dir = component();
        TestCheckpoints.safetensors(dir.resolve("diffusion_pytorch_model.safetensors"), one("w", 1));
        ModelFolder folder = ModelFolder.open(tmp);
        assertEquals(List.of(ModelFolder.CF_EMBEDDINGS), folder.missingComponents());
        assertTrue(ModelFolder.isOptional(ModelFolder.CF_EMBEDDINGS));
        assertFalse(ModelFolder.isOptional("transformer"));
        assertTrue(folder.optionalWeights(ModelFolder.CF_EMBEDDINGS, LoadOptions.cpuFloat32()).isEmpty());
        assertTrue(folder.optionalWeights("transformer", LoadOptions.cpuFloat32()).isPresent());
        assertMessage(() -> folder.weights(ModelFolder.CF_EMBEDDINGS, LoadOptions.cpuFloat32()),
                "component folder 'learned_classifier_free_sampling_embeddings' is missing (model_index.json lists it)");
        // a folder that is there but broken is an error, not an absence
        Files.createDirectories(tmp.resolve(ModelFolder.CF_EMBEDDINGS));
        assertMessage(() -> folder.optionalWeights(ModelFolder.CF_EMBEDDINGS, LoadOptions.cpuFloat32()),
                "no weight file for component 'learned_classifier_free_sampling_embeddings'");
    }

    @Test
    void selectsVariant() throws IOException {
        Path dir = component();
        TestCheckpoints.safetensors(dir.resolve("diffusion_pytorch_model.safetensors"), one("w", 1));
        TestCheckpoints.safetensors(dir.resolve("diffusion_pytorch_model.fp16.safetensors"),
                Map.of("w", new Tensor("F16", new long[] {1}, TestCheckpoints.shorts(0x4000))));
        ModelFolder folder = ModelFolder.open(tmp);
        assertEquals(1f, value(folder.weights("transformer", LoadOptions.cpuFloat32()), "w"));
        StateDict fp16 = folder.weights("transformer", LoadOptions.cpuFloat32().withVariant("fp16"));
        assertEquals(StorageType.F16, fp16.tensors().get("w").type());
        assertEquals(2f, value(fp16, "w"));
        assertMessage(() -> folder.weights("transformer", LoadOptions.cpuFloat32().withVariant("ema")),
                "no weight file for component 'transformer' in variant 'ema'", "diffusion_pytorch_model.ema.safetensors",
                "folder holds [config.json, diffusion_pytorch_model.fp16.safetensors, diffusion_pytorch_model.safetensors]");
    }

    @Test
    void prefersSafetensorsOverBin() throws IOException {
        Path dir = component();
        TestCheckpoints.safetensors(dir.resolve("diffusion_pytorch_model.safetensors"), one("w", 1));
        Files.copy(Reference.path("bad-weights", "small-good.bin"), dir.resolve("diffusion_pytorch_model.bin"));
        WeightFiles files = ModelFolder.open(tmp).weightFiles("transformer", null);
        assertEquals(List.of(dir.resolve("diffusion_pytorch_model.safetensors")), files.files());
        assertFalse(files.sharded());
        Files.delete(dir.resolve("diffusion_pytorch_model.safetensors"));
        StateDict sd = ModelFolder.open(tmp).weights("transformer", LoadOptions.cpuFloat32());
        assertEquals(List.of("a.weight", "a.bias"), List.copyOf(sd.tensors().keySet()));
    }

    @Test
    void reportsAmbiguousAndMissingWeightFiles() throws IOException {
        Path dir = component();
        ModelFolder folder = ModelFolder.open(tmp);
        assertMessage(() -> folder.weights("transformer", LoadOptions.cpuFloat32()),
                dir + ": no weight file for component 'transformer' (expected diffusion_pytorch_model.safetensors",
                "folder holds [config.json]");
        TestCheckpoints.safetensors(dir.resolve("diffusion_pytorch_model.safetensors"), one("w", 1));
        TestCheckpoints.safetensors(dir.resolve("model.safetensors"), one("w", 2));
        assertMessage(() -> folder.weights("transformer", LoadOptions.cpuFloat32()),
                "ambiguous weights for component 'transformer': found [model.safetensors, diffusion_pytorch_model.safetensors]");
    }

    private Path shardedSafetensors() throws IOException {
        Path dir = component();
        TestCheckpoints.safetensors(dir.resolve("diffusion_pytorch_model-00001-of-00002.safetensors"), one("a", 1));
        Map<String, Tensor> second = new LinkedHashMap<>(one("b", 2));
        second.putAll(one("c", 3));
        TestCheckpoints.safetensors(dir.resolve("diffusion_pytorch_model-00002-of-00002.safetensors"), second);
        return TestCheckpoints.json(dir.resolve("diffusion_pytorch_model.safetensors.index.json"), """
                {"metadata": {"total_size": 12}, "weight_map": {
                  "a": "diffusion_pytorch_model-00001-of-00002.safetensors",
                  "b": "diffusion_pytorch_model-00002-of-00002.safetensors",
                  "c": "diffusion_pytorch_model-00002-of-00002.safetensors"}}""");
    }

    @Test
    void loadsShardedSafetensors() throws IOException {
        Path index = shardedSafetensors();
        ModelFolder folder = ModelFolder.open(tmp);
        WeightFiles files = folder.weightFiles("transformer", null);
        assertEquals(index, files.index());
        assertEquals(2, files.files().size());
        StateDict sd = folder.weights("transformer", LoadOptions.cpuFloat32());
        assertEquals(List.of(1f, 2f, 3f), Stream.of("a", "b", "c").map(n -> value(sd, n)).toList());
        sd.checkAllTaken();
    }

    @Test
    void loadsShardedBinWithVariant() throws IOException {
        Path dir = component();
        Files.copy(Reference.path("bad-weights", "small-good.bin"), dir.resolve("pytorch_model.fp16-00001-of-00001.bin"));
        TestCheckpoints.json(dir.resolve("pytorch_model.bin.index.fp16.json"), """
                {"weight_map": {"a.weight": "pytorch_model.fp16-00001-of-00001.bin",
                                "a.bias": "pytorch_model.fp16-00001-of-00001.bin"}}""");
        StateDict sd = ModelFolder.open(tmp).weights("transformer", LoadOptions.cpuFloat32().withVariant("fp16"));
        assertArrayEquals(new long[] {2, 3}, sd.tensors().get("a.weight").shape());
        assertEquals(StorageType.F16, sd.tensors().get("a.bias").type());
    }

    @Test
    void reportsMissingShard() throws IOException {
        shardedSafetensors();
        Path shard = tmp.resolve("transformer/diffusion_pytorch_model-00002-of-00002.safetensors");
        Files.delete(shard);
        assertMessage(() -> ModelFolder.open(tmp).weights("transformer", LoadOptions.cpuFloat32()),
                "diffusion_pytorch_model.safetensors.index.json: shard 'diffusion_pytorch_model-00002-of-00002.safetensors' "
                        + "is missing (expected " + shard + ")");
    }

    @Test
    void reportsTensorMissingFromItsShard() throws IOException {
        Path index = shardedSafetensors();
        Files.writeString(index, Files.readString(index).replace("\"c\":", "\"d\": \"diffusion_pytorch_model-00002-of-00002.safetensors\", \"c\":"));
        assertMessage(() -> ModelFolder.open(tmp).weights("transformer", LoadOptions.cpuFloat32()),
                "index.json: tensor 'd' is listed in shard 'diffusion_pytorch_model-00002-of-00002.safetensors' but that shard does not hold it");
    }

    @Test
    void reportsShardTensorsTheIndexDoesNotAssignToIt() throws IOException {
        Path index = shardedSafetensors();
        String text = Files.readString(index);
        Files.writeString(index, text.replace("\"c\": \"diffusion_pytorch_model-00002-of-00002.safetensors\"",
                "\"c\": \"diffusion_pytorch_model-00001-of-00002.safetensors\""));
        assertMessage(() -> ModelFolder.open(tmp).weights("transformer", LoadOptions.cpuFloat32()),
                "shard 'diffusion_pytorch_model-00002-of-00002.safetensors' holds tensor 'c', which the index assigns to "
                        + "'diffusion_pytorch_model-00001-of-00002.safetensors'");
        Files.writeString(index, text.replace(",\n  \"c\": \"diffusion_pytorch_model-00002-of-00002.safetensors\"", ""));
        assertMessage(() -> ModelFolder.open(tmp).weights("transformer", LoadOptions.cpuFloat32()),
                "holds tensor 'c', which the index does not list");
    }

    @ParameterizedTest
    @ValueSource(strings = {
            "{broken|not valid JSON",
            "{\"metadata\": {}}|expected a non-empty \"weight_map\" object",
            "{\"weight_map\": {\"a\": 3}}|weight_map entry 'a' must name a shard file, found 3",
            "{\"weight_map\": {\"a\": \"../x.safetensors\"}}|shard name '../x.safetensors' must be a file name in the same folder"})
    void reportsBadIndex(String caseText) throws IOException {
        String[] c = caseText.split("\\|");
        Path dir = component();
        TestCheckpoints.json(dir.resolve("model.safetensors.index.json"), c[0]);
        assertMessage(() -> ModelFolder.open(tmp).weights("transformer", LoadOptions.cpuFloat32()),
                "model.safetensors.index.json: ", c[1]);
    }
}
