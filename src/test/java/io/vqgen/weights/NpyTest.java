package io.vqgen.weights;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class NpyTest {
    @TempDir
    Path tmp;

    /** A version 1.0 .npy file with this header dictionary and data. */
    private Path npy(String header, byte[] data) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        byte[] text = (header + "\n").getBytes(StandardCharsets.ISO_8859_1);
        out.writeBytes(new byte[] {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y', 1, 0, (byte) text.length, 0});
        out.writeBytes(text);
        out.writeBytes(data);
        return Files.write(tmp.resolve("a.npy"), out.toByteArray());
    }

    @Test
    void roundTripsLongs() throws IOException {
        Path file = tmp.resolve("t.npy");
        try (var out = Files.newOutputStream(file)) {
            Npy.writeLongs(out, new long[] {1, -2, 3, 4, 5, 6}, 2, 3);
        }
        Npy.Array a = Npy.read(file);
        assertArrayEquals(new long[] {2, 3}, a.shape());
        assertArrayEquals(new long[] {1, -2, 3, 4, 5, 6}, a.toLongs());
    }

    /**
     * Found by NpyFuzzTest: a shape item that is not a whole number was a NumberFormatException, and negative sizes
     * whose product matched the data ((-2, -3) for 6 elements) were read as the array's shape.
     */
    @ParameterizedTest
    @ValueSource(strings = {"(0,  ,} 3)", "(-2, -3)", "(1.5,)", "(99999999999999999999,)", "(2, x)"})
    void refusesShapesThatAreNotNonNegativeWholeNumbers(String shape) throws IOException {
        Path file = npy("{'descr': '|u1', 'fortran_order': False, 'shape': " + shape + ", }", new byte[6]);
        WeightsException e = assertThrows(WeightsException.class, () -> Npy.read(file));
        assertEquals(file + ": corrupt .npy header: shape " + shape.substring(0, shape.indexOf(')') + 1)
                + " (expected a tuple of non-negative whole numbers)", e.getMessage());
    }

    /** Found by NpyFuzzTest: a version 2 file cut inside its 4-byte header length was an IndexOutOfBoundsException. */
    @Test
    void refusesAVersion2FileCutInItsHeaderLength() throws IOException {
        Path file = Files.write(tmp.resolve("cut.npy"), new byte[] {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y', 2, (byte) 0xff,
                (byte) 0xff, (byte) 0xff});
        assertEquals(file + ": corrupt .npy file (10 bytes: too short for a version 2 header length)",
                assertThrows(WeightsException.class, () -> Npy.read(file)).getMessage());
    }
}
