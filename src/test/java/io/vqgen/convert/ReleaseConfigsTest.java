package io.vqgen.convert;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The release's real configs (configs/*.yaml and the taming yamls of microsoft/VQ-Diffusion, with their
 * {@code !!python/tuple} lists) read by the converter, and the init-model presets that stand for the converted real
 * models: the presets must be exactly what convert-original writes for these configs.
 */
class ReleaseConfigsTest {
    static final Path RELEASE = Path.of("src/test/reference/research/release");
    private static final ObjectMapper JSON = new ObjectMapper();

    private static ResearchYaml yaml(String file) {
        return ResearchYaml.read(RELEASE.resolve(file), "test");
    }

    private static JsonNode preset(String file) throws IOException {
        try (InputStream in = ReleaseConfigsTest.class.getResourceAsStream("/io/vqgen/presets/" + file)) {
            return JSON.readTree(in);
        }
    }

    @ParameterizedTest
    @CsvSource({"configs/coco.yaml, coco", "configs/cub200.yaml, cub", "OUTPUT/pretrained_model/config_text.yaml, coco"})
    void textPresetsAreTheConvertedReleaseConfigs(String config, String preset) throws IOException {
        ResearchYaml y = yaml(config);
        assertEquals(preset(preset + "/transformer/config.json"), OriginalConverter.textTransformerConfig(y));
        assertEquals(preset(preset + "/scheduler/scheduler_config.json"), OriginalConverter.schedulerConfig(2888, 100));
        ResearchYaml taming = yaml("OUTPUT/pretrained_model/taming_dvae/taming_f8_8192_openimages.yaml");
        assertEquals(preset(preset + "/vqvae/config.json"), TamingCodec.config(taming, true, 2887));
        assertEquals(2887, y.integer("model.params.content_codec_config.params.quantize_number"));
    }

    @Test
    void imagenetPresetIsTheConvertedReleaseConfig() throws IOException {
        for (String config : new String[] {"configs/imagenet.yaml", "OUTPUT/pretrained_model/config_imagenet.yaml"}) {
            ResearchYaml y = yaml(config);
            // content_emb spatial_size is a !!python/tuple [32, 32]: a position grid larger than the 16x16 tokens
            assertEquals(preset("imagenet/transformer/config.json"), OriginalConverter.classTransformerConfig(y, 1001));
            assertEquals(preset("imagenet/scheduler/scheduler_config.json"), OriginalConverter.schedulerConfig(975, 100));
            ResearchYaml taming = yaml("OUTPUT/pretrained_model/taming_dvae/vqgan_imagenet_f16_16384.yaml");
            assertEquals(preset("imagenet/vqvae/config.json"), TamingCodec.config(taming, false, 974));
        }
    }

    @Test
    void theIthqConfigIsRefusedWithAPointerToDiffusersConversion() throws IOException {
        ResearchYaml y = yaml("configs/ithq.yaml");
        assertEquals("image_synthesis.modeling.codecs.image_codec.ema_vqvae.PatchVQVAE",
                y.string("model.params.content_codec_config.target"));
        ConversionException e = org.junit.jupiter.api.Assertions.assertThrows(ConversionException.class,
                () -> OriginalConverter.convert(new OriginalConverter.Sources(RELEASE.resolve("configs/ithq.yaml"),
                        RELEASE.resolve("help_folder/statistics/taming_vqvae_974.pt"), null, null, null, null, null, RELEASE),
                        java.nio.file.Files.createTempDirectory("ithq")));
        assertEquals(RELEASE.resolve("configs/ithq.yaml") + ": key 'model.params.content_codec_config.target' is "
                + "'image_synthesis.modeling.codecs.image_codec.ema_vqvae.PatchVQVAE'; supported: "
                + "image_synthesis.modeling.codecs.image_codec.taming_gumbel_vqvae.TamingGumbelVQVAE and "
                + "image_synthesis.modeling.codecs.image_codec.taming_gumbel_vqvae.TamingVQVAE (the ITHQ model's "
                + "PatchVQVAE comes converted by diffusers: use microsoft/vq-diffusion-ithq)", e.getMessage());
    }
}
