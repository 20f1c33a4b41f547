package io.vqgen.weights;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.vqgen.fuzz.ReaderContract;
import io.vqgen.fuzz.Scratch;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * {@link TorchBinFile#open}, the reader behind {@code .bin} weights, on fuzzed input: a {@link WeightsException}
 * naming the file, or tensors whose bytes are exactly what their shapes need; never code from the file.
 * <ul>
 *   <li>{@link #binFile}: the whole file (zip directory, local headers, records; the pre-1.6 format; bare pickles);
 *   <li>{@link #pickle}: the fuzzed bytes as {@code archive/data.pkl} of a well-formed torch.save archive that also
 *       holds storages "0".."3", so that mutations reach the unpickler and the tensor checks behind it instead of
 *       stopping at the zip directory.
 * </ul>
 */
class TorchBinFuzzTest {
    private static final Scratch SCRATCH = new Scratch("torch-bin");
    private static final ReaderContract CONTRACT = new ReaderContract(WeightsException.class);
    /** Storage records of 24, 4, 64 and 256 bytes (small-good.bin's two, and room for views of every type). */
    private static final Map<String, byte[]> STORAGES = storages();

    @FuzzTest
    void binFile(byte[] input) {
        Path file = SCRATCH.write("pytorch_model.bin", input);
        open(file, input.length);
    }

    @FuzzTest
    void pickle(byte[] input) {
        Path file = archive(SCRATCH.dir().resolve("diffusion_pytorch_model.bin"), input);
        try {
            open(file, Files.size(file));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A torch.save-style zip around a pickle, with the storage records {@link #pickle} offers. */
    static Path archive(Path file, byte[] pickle) {
        try {
            return TestCheckpoints.torchZip(file, pickle, STORAGES, false);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void open(Path file, long size) {
        CONTRACT.check(size, file.toString(), () -> {
            try (TorchBinFile f = TorchBinFile.open(file)) {
                TensorInvariants.check(f.tensors());
                f.tensors().values().forEach(t -> SafetensorsFuzzTest.touch(t.data()));
                return f.tensors().size();
            }
        });
    }

    private static Map<String, byte[]> storages() {
        Map<String, byte[]> out = new LinkedHashMap<>();
        int[] sizes = {24, 4, 64, 256};
        for (int i = 0; i < sizes.length; i++) {
            byte[] b = new byte[sizes[i]];
            for (int j = 0; j < b.length; j++) {
                b[j] = (byte) (j * 37 + i);
            }
            out.put(Integer.toString(i), b);
        }
        return out;
    }
}
