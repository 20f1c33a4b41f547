package io.vqgen.pipeline;

import io.vqgen.Reference;
import io.vqgen.weights.ModelFolder;
import io.vqgen.weights.ModelInspector;
import io.vqgen.weights.ModelReport;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ModelInitializerTest {

    @Test
    void sampleModelIsReproducibleFromItsSeed(@TempDir Path tmp) throws IOException {
        Path fresh = tmp.resolve("tiny");
        ModelInitializer.fromPreset(ModelInitializer.Preset.TINY, 0, fresh, null);
        Path shipped = Path.of("sample-data/model");
        List<Path> files = files(shipped);
        assertEquals(files, files(fresh), "same files as sample-data/model");
        for (Path f : files) {
            assertArrayEquals(Files.readAllBytes(shipped.resolve(f)), Files.readAllBytes(fresh.resolve(f)),
                    "sample-data/model/" + f + " is what `vqgen init-model --preset tiny --seed 0` writes");
        }
    }

    @Test
    void initializedModelLoadsAndInspectsClean(@TempDir Path tmp) throws IOException {
        Path dir = tmp.resolve("m");
        ModelInitializer.fromPreset(ModelInitializer.Preset.TINY, 7, dir, null);
        ModelReport report = ModelInspector.inspect(ModelFolder.open(dir), null);
        assertTrue(report.ok(), report.problems().toString());
        try (VqDiffusionPipeline pipeline = VqDiffusionPipeline.load(dir, PipelineOptions.cpu())) {
            assertEquals(16, pipeline.tokenHeight());
            assertEquals(32, pipeline.imageWidth());
        }
    }

    @Test
    void benchPresetWithReferenceTokenizerMatchesTheReferenceShapes(@TempDir Path tmp) throws IOException {
        Path dir = tmp.resolve("b");
        ModelInitializer.fromConfigs(Reference.path("bench", "config"), 1, dir, Reference.path("tokenizer-clip"));
        ModelReport report = ModelInspector.inspect(ModelFolder.open(dir), null);
        assertTrue(report.ok(), report.problems().toString());
        assertTrue(Files.size(dir.resolve("transformer/diffusion_pytorch_model.safetensors")) > 100_000_000L);
    }

    @Test
    void refusesBadRequests(@TempDir Path tmp) throws IOException {
        PipelineException preset = assertThrows(PipelineException.class,
                () -> ModelInitializer.Preset.parse("huge"));
        assertEquals("unknown preset 'huge' (expected tiny, bench, ithq, coco, cub or imagenet)", preset.getMessage());
        PipelineException tokenizer = assertThrows(PipelineException.class,
                () -> ModelInitializer.fromPreset(ModelInitializer.Preset.BENCH, 0, tmp.resolve("b"), null));
        assertTrue(tokenizer.getMessage().contains("needs a CLIP tokenizer folder"), tokenizer.getMessage());
        Files.createDirectories(tmp.resolve("full"));
        Files.writeString(tmp.resolve("full/x"), "");
        PipelineException exists = assertThrows(PipelineException.class,
                () -> ModelInitializer.fromPreset(ModelInitializer.Preset.TINY, 0, tmp.resolve("full"), null));
        assertTrue(exists.getMessage().contains("already exists and is not an empty folder"), exists.getMessage());
        PipelineException missing = assertThrows(PipelineException.class,
                () -> ModelInitializer.fromConfigs(tmp.resolve("nowhere"), 0, tmp.resolve("c"), null));
        assertTrue(missing.getMessage().contains("model_index.json: missing"), missing.getMessage());
    }

    private static List<Path> files(Path root) throws IOException {
        try (Stream<Path> walk = Files.walk(root)) {
            return walk.filter(Files::isRegularFile).map(root::relativize).sorted().toList();
        }
    }
}
