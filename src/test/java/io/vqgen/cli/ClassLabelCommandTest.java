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

    /** The job reads a class label column instead of prompts; bad labels are error rows, as bad prompts are. */
    @Test
    void theJobDrawsTheClassLabelsOfItsRows() throws java.io.IOException {
        Path jsonl = Files.writeString(tmp.resolve("labels.jsonl"), String.join("\n",
                "{\"id\": \"c3\", \"class_label\": 3, \"seed\": 5}",
                "{\"id\": \"c7\", \"class_label\": 7, \"seed\": 9, \"num_images\": 2}",
                "{\"id\": \"none\", \"class_label\": null}",
                "{\"id\": \"far\", \"class_label\": 1000}", ""));
        Path input = tmp.resolve("labels.parquet");
        io.vqgen.job.PromptsFile.convert(jsonl, input);
        Path out = tmp.resolve("job-out");
        Path job = tmp.resolve("job.properties");
        Files.writeString(job, "input=" + input + "\noutput=" + out + "\nmodel=" + model
                + "\nsteps=4\nspark.master=local[1]\nspark.ui.enabled=false\n");
        String[] r = run("run", job.toString());
        assertEquals("0", r[0], r[2]);
        assertTrue(r[1].contains("3 images ok, 2 error rows"), r[1]);

        java.util.List<org.apache.spark.sql.Row> rows = org.apache.spark.sql.SparkSession.builder().master("local[1]")
                .getOrCreate().read().parquet(out + "/manifest").collectAsList();
        java.util.Map<String, String> errors = new java.util.HashMap<>();
        try (io.vqgen.pipeline.VqDiffusionPipeline pipeline = io.vqgen.pipeline.VqDiffusionPipeline.load(model,
                io.vqgen.pipeline.PipelineOptions.cpu())) {
            for (org.apache.spark.sql.Row row : rows) {
                if ("error".equals(row.getAs("status"))) {
                    errors.put(row.getAs("id"), row.getAs("error"));
                    continue;
                }
                int label = row.getAs("class_label");
                long seed = row.getAs("seed");
                int[] alone = pipeline.generate(io.vqgen.pipeline.SamplingOptions.defaults().withSteps(4),
                        java.util.List.of(io.vqgen.pipeline.ImageRequest.forClass(label, seed, null))).get(0).tokens();
                assertArrayEquals(alone, row.getList(row.fieldIndex("tokens")).stream().mapToInt(x -> (Integer) x)
                        .toArray(), "the job's image of class " + label + " is generate's");
            }
        }
        assertEquals(java.util.Map.of("none", "class_label is null",
                "far", "class_label 1000 is out of range (0..999, the model's classes)"), errors);
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
