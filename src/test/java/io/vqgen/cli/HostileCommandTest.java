package io.vqgen.cli;

import io.vqgen.weights.RawTensor;
import io.vqgen.weights.SafetensorsFile;
import io.vqgen.weights.SafetensorsWriter;
import io.vqgen.weights.StorageType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Bad inputs that once crashed or misled the command line; each must be one line and exit 2. */
class HostileCommandTest {
    private static final Path SAMPLE = Path.of("sample-data/model");

    @TempDir
    Path tmp;

    private record Result(int code, String out, String err) {
    }

    private static Result run(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code = Main.run(new PrintWriter(out), new PrintWriter(err), args);
        return new Result(code, out.toString(), err.toString());
    }

    private Path copyOfSample() throws IOException {
        Path target = tmp.resolve("model");
        try (Stream<Path> files = Files.walk(SAMPLE)) {
            for (Path f : files.sorted(Comparator.naturalOrder()).toList()) {
                Path to = target.resolve(SAMPLE.relativize(f).toString());
                if (Files.isDirectory(f)) {
                    Files.createDirectories(to);
                } else {
                    Files.copy(f, to);
                }
            }
        }
        return target;
    }

    private static void assertOneLine(Result r, String expected) {
        assertEquals(2, r.code(), r.err());
        assertEquals(expected, r.err().strip());
        assertEquals(1, r.err().strip().lines().count(), r.err());
    }

    @Test
    void aFolderOfAnotherPipelineIsRefusedAsInspectModelRefusesIt() throws IOException {
        Path model = copyOfSample();
        Files.writeString(model.resolve("model_index.json"), Files.readString(model.resolve("model_index.json"))
                .replace("VQDiffusionPipeline", "StableDiffusionPipeline"));
        Result r = run("generate", "--model", model.toString(), "--prompt", "a boat", "--steps", "1", "--out",
                tmp.resolve("out").toString());
        assertOneLine(r, "vqgen generate: " + model.toAbsolutePath().normalize().resolve("model_index.json")
                + ": names pipeline 'StableDiffusionPipeline', expected VQDiffusionPipeline (a VQ-Diffusion model folder)");
    }

    @Test
    void anOutputThatIsAFileIsABadArgument() throws IOException {
        Path file = Files.writeString(tmp.resolve("taken"), "x");
        Result r = run("generate", "--model", SAMPLE.toString(), "--prompt", "a boat", "--steps", "1", "--out",
                file.toString());
        assertOneLine(r, "vqgen generate: --out " + file + ": exists and is not a folder (expected a folder for the "
                + "PNGs, tokens.npy and metadata.jsonl)");
    }

    /** A weight stored as integers once loaded, then made every image of a run an error row. */
    @Test
    void aWeightOfTheWrongDtypeIsRefusedAtLoadNamingTheFile() throws IOException {
        Path model = copyOfSample();
        Path file = model.resolve("transformer/diffusion_pytorch_model.safetensors");
        List<RawTensor> tensors = new ArrayList<>();
        try (SafetensorsFile weights = SafetensorsFile.open(file)) {
            for (RawTensor t : weights.tensors().values()) {
                if (t.name().endsWith("attn1.to_q.weight")) {
                    ByteBuffer ints = ByteBuffer.allocate((int) t.elementCount() * 4);
                    tensors.add(new RawTensor(t.name(), StorageType.I32, t.shape(), ints, "test"));
                } else {
                    ByteBuffer copy = ByteBuffer.allocate(t.data().remaining());
                    copy.put(t.data().duplicate()).flip();
                    tensors.add(new RawTensor(t.name(), t.type(), t.shape(), copy, "test"));
                }
            }
        }
        SafetensorsWriter.write(file, tensors, Map.of("format", "pt"));
        Result r = run("generate", "--model", model.toString(), "--prompt", "a boat", "--steps", "1", "--out",
                tmp.resolve("out").toString());
        assertEquals(2, r.code(), r.err());
        assertTrue(r.err().contains("attn1.to_q.weight' in " + file.toAbsolutePath().normalize() + " is I32, expected a "
                + "floating-point tensor"), r.err());
    }
}
