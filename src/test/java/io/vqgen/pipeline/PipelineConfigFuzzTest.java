package io.vqgen.pipeline;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.vqgen.Reference;
import io.vqgen.fuzz.ReaderContract;
import io.vqgen.fuzz.Scratch;
import io.vqgen.model.ModelException;
import io.vqgen.text.TextException;
import io.vqgen.weights.WeightsException;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;

/**
 * {@link VqDiffusionPipeline#load}, the one entry point that reads every config the way the models use it (text
 * encoder, transformer, VQ-VAE, scheduler, learned embeddings), on fuzzed {@code model_index.json} and component
 * configs around tiny-a's real weights: a loaded pipeline, or one of the errors the command line reports as bad
 * input ({@link WeightsException}, {@link ModelException}, {@link PipelineException}, {@link TextException}).
 * Allocation is counted on the Java heap only: tensors live in libtorch's memory.
 *
 * <p>Input: the six JSON files of ModelFolderFuzzTest, separated by NUL bytes (see {@link Scratch#writeFiles}).
 */
class PipelineConfigFuzzTest {
    static final String[] CONFIGS = {"model_index.json", "transformer/config.json", "text_encoder/config.json",
        "vqvae/config.json", "scheduler/scheduler_config.json",
        "learned_classifier_free_sampling_embeddings/config.json"};
    private static final Scratch SCRATCH = new Scratch("pipeline-config");
    private static final ReaderContract CONTRACT = new ReaderContract(WeightsException.class, ModelException.class,
            PipelineException.class, TextException.class);
    private static final Path MODEL = SCRATCH.dir().resolve("model");

    /** The weight and tokenizer files around the fuzzed configs, which a load reads: part of the input's size. */
    private static final long FIXED_BYTES;

    static {
        SCRATCH.copyTree(Reference.path("tiny-a", "model"), "model");
        try (Stream<Path> files = Files.walk(MODEL)) {
            FIXED_BYTES = files.filter(Files::isRegularFile).filter(f -> !f.toString().endsWith(".json")
                    || f.getParent().endsWith("tokenizer")).mapToLong(f -> f.toFile().length()).sum();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @FuzzTest
    void load(byte[] input) {
        String[] files = new String[CONFIGS.length];
        for (int i = 0; i < files.length; i++) {
            files[i] = "model/" + CONFIGS[i];
        }
        SCRATCH.writeFiles(input, files);
        CONTRACT.check(input.length + FIXED_BYTES, null, () -> {
            try (VqDiffusionPipeline pipeline = VqDiffusionPipeline.load(MODEL, PipelineOptions.cpu())) {
                return pipeline;
            }
        });
    }
}
