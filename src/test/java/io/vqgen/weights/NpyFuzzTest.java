package io.vqgen.weights;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.vqgen.fuzz.ReaderContract;
import io.vqgen.fuzz.Scratch;

import java.nio.file.Path;

/**
 * {@link Npy#read} (the reader of {@code --latents} and of the goldens) on fuzzed files: a {@link WeightsException}
 * naming the file, or an array whose bytes are exactly its shape's, which converts to longs or floats as its type
 * allows.
 */
class NpyFuzzTest {
    private static final Scratch SCRATCH = new Scratch("npy");
    private static final ReaderContract CONTRACT = new ReaderContract(WeightsException.class);

    @FuzzTest
    void npy(byte[] input) {
        Path file = SCRATCH.write("latents.npy", input);
        CONTRACT.check(input.length, file.toString(), () -> {
            Npy.Array a = Npy.read(file);
            TensorInvariants.check(file.toString(), a.type(), a.shape(), a.data().remaining());
            return a.type().isFloating() ? a.toFloats().length : a.type() == StorageType.BOOL ? 0 : a.toLongs().length;
        });
    }
}
