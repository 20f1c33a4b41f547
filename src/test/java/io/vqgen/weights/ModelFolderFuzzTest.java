package io.vqgen.weights;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.vqgen.Reference;
import io.vqgen.fuzz.ReaderContract;
import io.vqgen.fuzz.Scratch;

import java.nio.file.Path;

/**
 * {@code inspect-model}'s reading of a model folder ({@link ModelFolder#open}, {@link ModelInspector#inspect}: every
 * config through the one typed config reader, weight headers, parameter counts) on fuzzed {@code model_index.json}
 * and component configs, around tiny-a's real weight files and tokenizer: a report, or a {@link WeightsException}
 * naming the folder.
 *
 * <p>Input: the six JSON files of {@link #CONFIGS}, in that order, separated by NUL bytes (see
 * {@link Scratch#writeFiles}).
 */
class ModelFolderFuzzTest {
    static final String[] CONFIGS = {"model_index.json", "transformer/config.json", "text_encoder/config.json",
        "vqvae/config.json", "scheduler/scheduler_config.json",
        "learned_classifier_free_sampling_embeddings/config.json"};
    private static final Scratch SCRATCH = new Scratch("model-folder");
    private static final ReaderContract CONTRACT = new ReaderContract(WeightsException.class);
    private static final Path MODEL = SCRATCH.dir().resolve("model");

    static {
        SCRATCH.copyTree(Reference.path("tiny-a", "model"), "model");
    }

    @FuzzTest
    void inspect(byte[] input) {
        String[] files = new String[CONFIGS.length];
        for (int i = 0; i < files.length; i++) {
            files[i] = "model/" + CONFIGS[i];
        }
        SCRATCH.writeFiles(input, files);
        CONTRACT.check(input.length, MODEL.toString(), () -> {
            ModelFolder folder = ModelFolder.open(MODEL);
            folder.missingComponents();
            return ModelInspector.inspect(folder, null).problems().size();
        });
    }
}
