package io.vqgen.cli;

import io.vqgen.convert.OriginalConverter;
import io.vqgen.weights.Npy;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code generate --class-label} on a class-conditional model converted from the research release (tiny ImageNet). */
class ClassLabelCommandTest {
    static final Path TINY = Path.of("src/test/reference/research/tiny");

    @TempDir
    static Path tmp;
    static Path model;

    @BeforeAll
    static void convert() {
        model = tmp.resolve("imagenet-tiny");
        OriginalConverter.convert(new OriginalConverter.Sources(TINY.resolve("tiny_class.yaml"),
                TINY.resolve("tiny_class.pth"), null, null, null, null, null, TINY), model);
    }

    private static String[] run(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code = Main.run(new PrintWriter(out), new PrintWriter(err), args);
        return new String[] {String.valueOf(code), out.toString(), err.toString()};
    }

    @Test
    void generatesTheReleasesTokensForAClassLabel() {
        Path out = tmp.resolve("gen");
        String[] r = run("generate", "--model", model.toString(), "--class-label", "3", "--images-per-prompt", "2",
                "--seed", "5", "--steps", "10", "--guidance-scale", "1.5", "--truncation-rate", "0.94", "--noise",
                "reference", "--out", out.toString());
        assertEquals("0", r[0], r[2]);
        assertTrue(Files.isRegularFile(out.resolve("0.png")) && Files.isRegularFile(out.resolve("1.png")));
        assertArrayEquals(Npy.read(TINY.resolve("class/generate_label3_g15_r094_tokens.npy")).toLongs(),
                Npy.read(out.resolve("tokens.npy")).toLongs());
    }

    @Test
    void theJobRefusesAClassConditionalModelBeforeAnyWork() throws java.io.IOException {
        Path job = tmp.resolve("job.properties");
        Files.writeString(job, "input=sample-data/prompts.parquet\noutput=" + tmp.resolve("job-out").toUri()
                + "\nmodel=" + model + "\nspark.master=local[1]\n");
        String[] r = run("run", job.toString());
        assertEquals("2", r[0], r[2]);
        assertEquals("vqgen run: model " + model.toAbsolutePath() + " is class-conditional (the research release's "
                + "ImageNet model): it takes class labels, which the job's input does not carry yet; use "
                + "`generate --class-label N`", r[2].strip());
        assertTrue(!Files.exists(tmp.resolve("job-out/manifest")));
    }

    @Test
    void badConditionsExitWithOneLine() {
        String[] r = run("generate", "--model", model.toString(), "--prompt", "a dog", "--steps", "2", "--out",
                tmp.resolve("x").toString());
        assertEquals("2", r[0]);
        assertEquals("vqgen generate: this model is class-conditional: ask for a class label 0..999 (generate "
                + "--class-label N), not a prompt", r[2].strip());
        r = run("generate", "--model", model.toString(), "--class-label", "1000", "--steps", "2", "--out",
                tmp.resolve("x").toString());
        assertEquals("2", r[0]);
        assertEquals("vqgen generate: class label 1000 is outside 0..999 (the model's num_classes)", r[2].strip());
        r = run("generate", "--model", model.toString(), "--class-label", "1", "--prompt", "a dog", "--out",
                tmp.resolve("x").toString());
        assertEquals("2", r[0]);
        assertTrue(r[2].contains("give either --prompt (text-to-image models) or --class-label"), r[2]);
        r = run("generate", "--model", "sample-data/model", "--class-label", "1", "--steps", "2", "--out",
                tmp.resolve("x").toString());
        assertEquals("2", r[0]);
        assertEquals("vqgen generate: this model is text-to-image: give a prompt, not a class label (1)", r[2].strip());
    }
}
