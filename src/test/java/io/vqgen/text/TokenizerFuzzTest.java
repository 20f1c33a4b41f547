package io.vqgen.text;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.vqgen.fuzz.ReaderContract;
import io.vqgen.fuzz.Scratch;

import java.nio.file.Path;
import java.util.List;

/**
 * {@link ClipTokenizer#load} on fuzzed tokenizer folders, then encoding a few prompts with what it loaded: a
 * {@link TextException} naming the folder, or a tokenizer whose pipeline ids are {@code maxLength} long.
 *
 * <p>Input: {@link #FILES} in that order, separated by NUL bytes (see {@link Scratch#writeFiles}); a file whose part
 * is absent is missing from the folder.
 */
class TokenizerFuzzTest {
    static final String[] FILES = {"vocab.json", "merges.txt", "tokenizer_config.json", "special_tokens_map.json"};
    private static final List<String> PROMPTS = List.of("", "a red double-decker bus, parked!",
            "<|startoftext|>two cats<|endoftext|> on a couch", "Ünïcödé  text\u00a0with\tspaces 123 ab ba");
    private static final Scratch SCRATCH = new Scratch("tokenizer");
    private static final ReaderContract CONTRACT = new ReaderContract(TextException.class);

    @FuzzTest
    void load(byte[] input) {
        String[] files = new String[FILES.length];
        for (int i = 0; i < files.length; i++) {
            files[i] = "tokenizer/" + FILES[i];
        }
        SCRATCH.writeFiles(input, files);
        Path dir = SCRATCH.dir().resolve("tokenizer");
        CONTRACT.check(input.length, dir.toString(), () -> {
            ClipTokenizer tokenizer = ClipTokenizer.load(dir);
            for (String prompt : PROMPTS) {
                int[] ids = tokenizer.encodeForPipeline(prompt);
                if (ids.length != tokenizer.maxLength()) {
                    throw new AssertionError(ids.length + " ids for '" + prompt + "', expected " + tokenizer.maxLength());
                }
                tokenizer.decode(ids);
            }
            return tokenizer.encodeUnconditional().length;
        });
    }
}
