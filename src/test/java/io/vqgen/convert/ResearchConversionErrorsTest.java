package io.vqgen.convert;

import io.vqgen.cli.Main;
import io.vqgen.weights.WeightsException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;

import static io.vqgen.convert.ResearchGoldens.file;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Bad inputs to convert-original: each fails before anything is generated, naming the file and the key. */
class ResearchConversionErrorsTest {
    @TempDir
    Path tmp;

    /** tiny_text.yaml with one replacement, beside the tiny files it names. */
    private Path yaml(String from, String to) throws IOException {
        String text = Files.readString(file("tiny_text.yaml"));
        assertTrue(text.contains(from), from);
        Path out = tmp.resolve("changed.yaml");
        Files.writeString(out, text.replace(from, to));
        return out;
    }

    private OriginalConverter.Sources sources(Path config) {
        return new OriginalConverter.Sources(config, file("tiny_text.pth"), null, null, null, null, null, ResearchGoldens.DIR);
    }

    private ConversionException refused(OriginalConverter.Sources sources) {
        Path out = tmp.resolve("out");
        ConversionException e = assertThrows(ConversionException.class, () -> OriginalConverter.convert(sources, out));
        assertTrue(!Files.exists(out) || out.toFile().list().length == 0, "a failed conversion leaves nothing behind");
        return e;
    }

    @Test
    void refusesAnUnsupportedTargetClass() throws IOException {
        Path config = yaml("image_synthesis.modeling.models.dalle.DALLE", "image_synthesis.modeling.models.unconditional_dalle.UC_DALLE");
        ConversionException e = refused(sources(config));
        assertTrue(e.getMessage().startsWith(config + ": key 'model.target' is "
                + "'image_synthesis.modeling.models.unconditional_dalle.UC_DALLE'; supported: "), e.getMessage());
        config = yaml("taming_gumbel_vqvae.TamingGumbelVQVAE", "ema_vqvae.PatchVQVAE");
        e = refused(sources(config));
        assertTrue(e.getMessage().contains("key 'model.params.content_codec_config.target' is "
                + "'image_synthesis.modeling.codecs.image_codec.ema_vqvae.PatchVQVAE'"), e.getMessage());
    }

    @Test
    void refusesACheckpointThatDoesNotMatchItsYamlNamingTheReleasesKey() throws IOException {
        Path config = yaml("n_embd: 64", "n_embd: 128");
        ConversionException e = refused(sources(config));
        assertTrue(e.getMessage().startsWith(config + " does not match " + file("tiny_text.pth") + ": transformer: "
                + "tensor 'latent_image_embedding.emb.weight' in " + file("tiny_text.pth") + " ['ema'] has shape [41, 64], "
                + "expected [41, 128]"), e.getMessage());
        assertTrue(e.getMessage().endsWith("the release's key is 'transformer.transformer.content_emb.emb.weight'"),
                e.getMessage());
    }

    @Test
    void refusesMissingCodecFilesNamingTheYamlKey() throws IOException {
        Path config = yaml("config_path: tiny_taming_gumbel.yaml", "config_path: nowhere/taming.yaml");
        ConversionException e = refused(sources(config));
        assertTrue(e.getMessage().startsWith(config + ": key 'model.params.content_codec_config.params.config_path' "
                + "names nowhere/taming.yaml, not found as "), e.getMessage());
        assertTrue(e.getMessage().contains("(pass --vqvae-config FILE, or --release-root DIR"), e.getMessage());

        OriginalConverter.Sources missingCodec = new OriginalConverter.Sources(file("tiny_text.yaml"), file("tiny_text.pth"),
                tmp.resolve("taming_last.pth"), null, null, null, null, ResearchGoldens.DIR);
        WeightsException w = assertThrows(WeightsException.class,
                () -> OriginalConverter.convert(missingCodec, tmp.resolve("out2")));
        assertEquals(tmp.resolve("taming_last.pth") + ": file not found", w.getMessage());
    }

    @Test
    void refusesAMissingOrWrongCodeMapping() throws IOException {
        Path config = yaml("mapping_path: tiny_mapping_40.pt", "mapping_path: help_folder/statistics/missing.pt");
        ConversionException e = refused(sources(config));
        assertTrue(e.getMessage().startsWith(config + ": key 'model.params.content_codec_config.params.mapping_path' "
                + "names help_folder/statistics/missing.pt, not found as "), e.getMessage());
        assertTrue(e.getMessage().contains("(pass --mapping FILE"), e.getMessage());

        // the release's own 8192-code mapping does not fit a 64-code codec
        OriginalConverter.Sources wrong = new OriginalConverter.Sources(file("tiny_text.yaml"), file("tiny_text.pth"),
                null, null, Path.of("src/test/reference/research/release/help_folder/statistics/taming_vqvae_2887.pt"), null, null,
                ResearchGoldens.DIR);
        e = refused(wrong);
        assertEquals("src/test/reference/research/release/help_folder/statistics/taming_vqvae_2887.pt: expected an int64 tensor of 64 entries "
                + "(one token per code of the codec), found I64[8192]", e.getMessage());
    }

    @Test
    void refusesAnEmaThatDoesNotFitItsModel() {
        OriginalConverter.Sources bad = new OriginalConverter.Sources(file("tiny_text.yaml"), file("bad_ema.pth"), null,
                null, null, null, null, ResearchGoldens.DIR);
        ConversionException e = refused(bad);
        assertEquals(file("bad_ema.pth") + ": ['ema'] holds 'extra.w', but ['model'] has no 'transformer.extra.w' for it "
                + "to replace", e.getMessage());
    }

    @Test
    void refusesAMissingCheckpointAndABusyOutputFolder() throws IOException {
        OriginalConverter.Sources missing = new OriginalConverter.Sources(file("tiny_text.yaml"), tmp.resolve("coco.pth"),
                null, null, null, null, null, ResearchGoldens.DIR);
        ConversionException e = assertThrows(ConversionException.class,
                () -> OriginalConverter.convert(missing, tmp.resolve("out")));
        assertEquals(tmp.resolve("coco.pth") + ": checkpoint not found (the release's .pth, e.g. coco_learnable.pth)",
                e.getMessage());
        Path busy = Files.createDirectories(tmp.resolve("busy"));
        Files.writeString(busy.resolve("keep.txt"), "mine");
        e = assertThrows(ConversionException.class, () -> OriginalConverter.convert(sources(file("tiny_text.yaml")), busy));
        assertEquals(busy + ": already exists and is not an empty folder (choose a new --out)", e.getMessage());
        assertEquals("mine", Files.readString(busy.resolve("keep.txt")));
    }

    @Test
    void theCommandExitsWithOneLineForBadInput() throws IOException {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        Path config = yaml("image_synthesis.modeling.models.dalle.DALLE", "my.Model");
        int code = Main.run(new PrintWriter(out), new PrintWriter(err), "convert-original", "--config", config.toString(),
                "--checkpoint", file("tiny_text.pth").toString(), "--release-root", ResearchGoldens.DIR.toString(),
                "--out", tmp.resolve("cli").toString());
        assertEquals(2, code);
        assertTrue(err.toString().startsWith("vqgen convert-original: " + config + ": key 'model.target' is 'my.Model'"),
                err.toString());
        assertEquals(1, err.toString().strip().lines().count());
        assertFalse(err.toString().contains("Exception"));
    }
}
