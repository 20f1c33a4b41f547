package io.vqgen.weights;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.vqgen.fuzz.ReaderContract;
import io.vqgen.fuzz.Scratch;

import java.nio.ByteBuffer;
import java.nio.file.Path;

/**
 * {@link SafetensorsFile#open} on fuzzed files: a {@link WeightsException} naming the file, or tensors whose byte
 * ranges are exactly what their shapes need, each readable to its last byte. Seeds: SafetensorsFuzzTestInputs/.
 */
class SafetensorsFuzzTest {
    private static final Scratch SCRATCH = new Scratch("safetensors");
    private static final ReaderContract CONTRACT = new ReaderContract(WeightsException.class);

    @FuzzTest
    void safetensors(byte[] input) {
        Path file = SCRATCH.write("model.safetensors", input);
        CONTRACT.check(input.length, file.toString(), () -> {
            try (SafetensorsFile f = SafetensorsFile.open(file)) {
                TensorInvariants.check(f.tensors());
                f.tensors().values().forEach(t -> touch(t.data()));
                return f.metadata().size();
            }
        });
    }

    static void touch(ByteBuffer data) {
        if (data.remaining() > 0) {
            data.get(data.position());
            data.get(data.limit() - 1);
        }
    }
}
