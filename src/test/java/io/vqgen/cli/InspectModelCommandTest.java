package io.vqgen.cli;

import io.vqgen.Reference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class InspectModelCommandTest {
    @TempDir
    Path tmp;

    private record Result(int exit, String out, String err) {
    }

    private static Result run(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int exit = new CommandLine(new Main()).setOut(new PrintWriter(out)).setErr(new PrintWriter(err)).execute(args);
        return new Result(exit, out.toString(), err.toString());
    }

    private static void assertContains(String text, String... parts) {
        for (String p : parts) {
            assertTrue(text.contains(p), "expected '" + p + "' in:\n" + text);
        }
    }

    /** Broken folders exit 2 with exactly one "error: …" line on stderr. */
    private static void assertBroken(Result r, String... parts) {
        assertEquals(2, r.exit(), r.out() + r.err());
        assertTrue(r.err().startsWith("error: ") && r.err().strip().lines().count() == 1, r.err());
        assertContains(r.out() + r.err(), parts);
    }

    private Path copyOfTinyB() throws IOException {
        Path source = Reference.path("tiny-b", "model");
        Path target = tmp.resolve("model");
        try (Stream<Path> files = Files.walk(source)) {
            for (Path p : files.toList()) {
                Files.copy(p, target.resolve(source.relativize(p).toString()));
            }
        }
        return target;
    }

    private static void edit(Path file, String from, String to) throws IOException {
        String text = Files.readString(file);
        assertTrue(text.contains(from), file + " lacks " + from);
        Files.writeString(file, text.replace(from, to));
    }

    private static void deleteTree(Path dir) throws IOException {
        try (Stream<Path> files = Files.walk(dir)) {
            for (Path p : files.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
    }

    @Test
    void describesTinyA() {
        Result r = run("inspect-model", Reference.path("tiny-a", "model").toString());
        assertEquals(0, r.exit(), r.out() + r.err());
        assertEquals("", r.err());
        assertContains(r.out(),
                "transformer (diffusers Transformer2DModel)",
                "classes 12 (11 codes + mask), layers 1, heads 1×144 (inner 144), latent grid 12×12, cross-attention dim 32",
                "421,067 parameters (as the config implies), F32×35",
                "hidden 32, layers 5, heads 4×8, intermediate 37, vocab 1000, positions 77",
                "85 tensors, 68,473 parameters (as the config implies) + 77 integer buffer elements, F32×84 I64×1",
                "channels [32, 64], latent channels 3, codebook 12×3, downsampling ×2",
                "train timesteps 100, classes 12",
                "learnable false",
                "OK");
    }

    @Test
    void describesTinyBSavedAsBin() {
        Result r = run("inspect-model", Reference.path("tiny-b-bin", "model").toString());
        assertEquals(0, r.exit(), r.out() + r.err());
        assertContains(r.out(), "weights: diffusion_pytorch_model.bin", "weights: pytorch_model.bin",
                "learnable true, shape [77, 32]", "2,464 parameters (as the config implies)");
    }

    @Test
    void reportsFolderWithoutWeights() {
        assertBroken(run("inspect-model", Reference.path("bench", "config").toString()),
                "is not a usable model", "no weight file for component 'transformer'",
                "tokenizer: listed in model_index.json but folder", "BROKEN");
    }

    @Test
    void reportsMissingFolderAndModelIndex() {
        assertBroken(run("inspect-model", tmp.resolve("nothing").toString()), "model folder not found");
        assertBroken(run("inspect-model", tmp.toString()), "model_index.json: missing");
    }

    @Test
    void absentClassifierFreeEmbeddingsAreANoteNotAnError() throws IOException {
        Path model = copyOfTinyB();
        deleteTree(model.resolve("learned_classifier_free_sampling_embeddings"));
        Result r = run("inspect-model", model.toString());
        assertEquals(0, r.exit(), r.out() + r.err());
        assertContains(r.out(), "learned_classifier_free_sampling_embeddings (vq_diffusion LearnedClassifierFreeSamplingEmbeddings): absent",
                "notes:", "the pipeline will guide with the empty prompt's text embeddings", "OK");
    }

    @Test
    void reportsMissingComponentFolder() throws IOException {
        Path model = copyOfTinyB();
        deleteTree(model.resolve("vqvae"));
        assertBroken(run("inspect-model", model.toString()),
                "vqvae: listed in model_index.json but folder " + model.resolve("vqvae") + " is missing");
    }

    @Test
    void reportsMissingConfig() throws IOException {
        Path model = copyOfTinyB();
        Files.delete(model.resolve("text_encoder/config.json"));
        assertBroken(run("inspect-model", model.toString()),
                "text_encoder: " + model.resolve("text_encoder/config.json") + ": missing");
    }

    /**
     * Issue 16: a .bin whose pickle holds a BINUNICODE8 length of 2^64-1 made inspect-model (and generate) exit 1
     * with a NegativeArraySizeException; it is a corrupt weights file (the crash input of TorchBinFuzzTest).
     */
    @Test
    void reportsAPickleStringLengthBeyondTheFile() throws IOException {
        Path source = Reference.path("tiny-b-bin", "model");
        Path model = tmp.resolve("model-bin");
        try (Stream<Path> files = Files.walk(source)) {
            for (Path p : files.toList()) {
                Files.copy(p, model.resolve(source.relativize(p).toString()));
            }
        }
        Path weights = model.resolve("learned_classifier_free_sampling_embeddings/diffusion_pytorch_model.bin");
        try (InputStream crash = getClass().getResourceAsStream(
                "/io/vqgen/weights/TorchBinFuzzTestInputs/binFile/binunicode8-length-2e64-1.bin")) {
            Files.copy(crash, weights, StandardCopyOption.REPLACE_EXISTING);
        }
        assertBroken(run("inspect-model", model.toString()), weights + ": corrupt pickle at byte 2: string of "
                + "18446744073709551615 bytes runs past the end of the pickle");
    }

    @Test
    void reportsWeightsThatDoNotMatchTheConfig() throws IOException {
        Path model = copyOfTinyB();
        edit(model.resolve("transformer/config.json"), "\"num_layers\": 2", "\"num_layers\": 3");
        edit(model.resolve("vqvae/config.json"), "\"num_vq_embeddings\": 12", "\"num_vq_embeddings\": 9");
        Result r = run("inspect-model", model.toString());
        assertBroken(r, "transformer: weights hold 2 layers under 'transformer_blocks.', config.json num_layers says 3",
                "transformer: weights hold 835,067 parameters, the config implies 1,249,067",
                "vqvae: 'quantize.embedding.weight' has shape [12, 3], the config implies [9, 3]",
                "vqvae num_vq_embeddings = 9 is smaller than the 11 token classes of transformer");
        assertContains(r.err(), "(and 4 more problem(s), listed above)");
    }

    @Test
    void reportsComponentsThatDisagree() throws IOException {
        Path model = copyOfTinyB();
        edit(model.resolve("scheduler/scheduler_config.json"), "\"num_vec_classes\": 12", "\"num_vec_classes\": 13");
        assertBroken(run("inspect-model", model.toString()),
                "transformer num_vector_embeds = 12 does not match scheduler num_vec_classes = 13");
    }

    @Test
    void inspectsAVariant() throws IOException {
        Path model = copyOfTinyB();
        for (String c : List.of("transformer", "vqvae", "learned_classifier_free_sampling_embeddings")) {
            Files.move(model.resolve(c + "/diffusion_pytorch_model.safetensors"),
                    model.resolve(c + "/diffusion_pytorch_model.fp16.safetensors"));
        }
        Files.move(model.resolve("text_encoder/model.safetensors"), model.resolve("text_encoder/model.fp16.safetensors"));
        assertBroken(run("inspect-model", model.toString()), "no weight file for component 'transformer'");
        Result r = run("inspect-model", "--variant", "fp16", model.toString());
        assertEquals(0, r.exit(), r.out() + r.err());
        assertContains(r.out(), "weights: diffusion_pytorch_model.fp16.safetensors");
        assertBroken(run("inspect-model", "--variant", "../x", model.toString()), "weights variant must be a simple name");
    }

    @Test
    void printsHelp() {
        Result r = run("inspect-model", "--help");
        assertEquals(0, r.exit());
        assertContains(r.out(), "Usage: vqgen inspect-model", "DIR", "--variant=NAME", "Exit status: 0 when the folder is usable");
    }
}
