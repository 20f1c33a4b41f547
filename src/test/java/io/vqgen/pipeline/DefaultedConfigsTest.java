package io.vqgen.pipeline;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.vqgen.weights.ModelFolder;
import io.vqgen.weights.ModelInspector;
import io.vqgen.weights.ModelReport;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Every reader of a model folder (the pipeline, the inspector) takes the same defaults: a tiny model whose config
 * files lose every key that holds the reference class's default still inspects clean and generates the very
 * same tokens as with the full files.
 */
class DefaultedConfigsTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    /** The keys whose values in the tiny preset are the reference defaults (diffusers 0.24.0, transformers 4.30). */
    private static final Map<String, List<String>> DEFAULTED = Map.of(
            "text_encoder/config.json", List.of("attention_dropout", "hidden_act", "layer_norm_eps",
                    "max_position_embeddings", "projection_dim"),
            "transformer/config.json", List.of("attention_type", "caption_channels", "double_self_attention", "dropout",
                    "in_channels", "norm_elementwise_affine", "norm_eps", "norm_num_groups", "only_cross_attention",
                    "out_channels", "patch_size", "upcast_attention", "use_linear_projection"),
            "vqvae/config.json", List.of("act_fn", "in_channels", "norm_num_groups", "norm_type", "out_channels",
                    "sample_size", "scaling_factor"),
            "scheduler/scheduler_config.json", List.of("alpha_cum_end", "alpha_cum_start", "gamma_cum_end",
                    "gamma_cum_start", "num_train_timesteps"));

    @Test
    void configsWithoutTheirDefaultedKeysInspectAndGenerateAsTheFullOnes(@TempDir Path tmp) throws IOException {
        Path full = tmp.resolve("full");
        ModelInitializer.fromPreset(ModelInitializer.Preset.TINY, 3, full, null);
        Path stripped = tmp.resolve("stripped");
        ModelInitializer.fromPreset(ModelInitializer.Preset.TINY, 3, stripped, null);
        for (Map.Entry<String, List<String>> file : DEFAULTED.entrySet()) {
            Path config = stripped.resolve(file.getKey());
            ObjectNode json = (ObjectNode) JSON.readTree(config.toFile());
            for (String key : file.getValue()) {
                assertTrue(json.has(key), file.getKey() + " has " + key);
                json.remove(key);
            }
            JSON.writeValue(config.toFile(), json);
        }
        ModelReport report = ModelInspector.inspect(ModelFolder.open(stripped), null);
        assertTrue(report.ok(), report.problems().toString());

        SamplingOptions sampling = SamplingOptions.defaults().withSteps(4);
        List<ImageRequest> request = List.of(ImageRequest.of("a red bus", 11));
        try (VqDiffusionPipeline a = VqDiffusionPipeline.load(full, PipelineOptions.cpu());
             VqDiffusionPipeline b = VqDiffusionPipeline.load(stripped, PipelineOptions.cpu())) {
            GeneratedImage fromFull = a.generate(sampling, request).get(0);
            GeneratedImage fromStripped = b.generate(sampling, request).get(0);
            assertArrayEquals(fromFull.tokens(), fromStripped.tokens());
            assertArrayEquals(fromFull.rgb(), fromStripped.rgb());
        }
    }
}
