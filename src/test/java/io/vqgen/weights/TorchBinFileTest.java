package io.vqgen.weights;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import io.vqgen.Reference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;

import static io.vqgen.weights.TestCheckpoints.floats;
import static io.vqgen.weights.TestCheckpoints.shorts;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class TorchBinFileTest {
    private static final Path PWNED = Path.of("/tmp/vqgen-pwned-by-pickle");

    @TempDir
    Path tmp;

    /** The reference "small-good" content: a.weight f32[2,3] = 0..5, a.bias f16[2] = 1. */
    private static void assertSmallGood(TensorFile f) {
        RawTensor w = f.tensors().get("a.weight");
        RawTensor b = f.tensors().get("a.bias");
        assertEquals(List.of("a.weight", "a.bias"), List.copyOf(f.tensors().keySet()));
        assertEquals(StorageType.F32, w.type());
        assertArrayEquals(new long[] {2, 3}, w.shape());
        assertEquals(StorageType.F16, b.type());
        assertArrayEquals(new long[] {2}, b.shape());
        try (NDManager m = NDManager.newBaseManager()) {
            StateDict sd = new StateDict("small", f.tensors(), LoadOptions.cpuFloat32());
            assertArrayEquals(new float[] {0, 1, 2, 3, 4, 5}, sd.takeFloat(m, "a.weight", 2, 3).toFloatArray());
            assertArrayEquals(new float[] {1, 1}, sd.takeFloat(m, "a.bias", 2).toFloatArray());
            sd.checkAllTaken();
        }
    }

    @Test
    void loadsZipCheckpoint() {
        try (TorchBinFile f = TorchBinFile.open(Reference.path("bad-weights", "small-good.bin"))) {
            assertSmallGood(f);
            assertEquals(Map.of(), f.metadata());
        }
    }

    @Test
    void loadsLegacyCheckpoint() {
        try (TorchBinFile f = TorchBinFile.open(Reference.path("bad-weights", "legacy-format.bin"))) {
            assertSmallGood(f);
        }
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "malicious-os-system.bin|refused pickle global 'posix.system'",
            "malicious-plain-pickle.bin|refused pickle global 'posix.system'",
            "not-a-checkpoint.bin|not a PyTorch checkpoint",
            "truncated.bin|end-of-directory record not found"})
    void refusesBadFiles(String file, String expected) {
        Path path = Reference.path("bad-weights", file);
        WeightsException e = assertThrows(WeightsException.class, () -> TorchBinFile.open(path).close());
        assertTrue(e.getMessage().contains(expected), e.getMessage());
        assertTrue(e.getMessage().startsWith(path.toString()), "message names the file: " + e.getMessage());
        assertFalse(Files.exists(PWNED), "a pickle ran code: " + PWNED + " exists");
    }

    /** Every tensor of tiny-b saved with torch.save equals its safetensors twin, byte for byte. */
    @ParameterizedTest
    @ValueSource(strings = {"text_encoder", "transformer", "vqvae", "learned_classifier_free_sampling_embeddings"})
    void tinyBBinEqualsSafetensors(String component) {
        ModelFolder bin = ModelFolder.open(Reference.path("tiny-b-bin", "model"));
        ModelFolder safe = ModelFolder.open(Reference.path("tiny-b", "model"));
        WeightFiles binFiles = bin.weightFiles(component, null);
        assertTrue(binFiles.files().get(0).toString().endsWith(".bin"), binFiles.toString());
        Map<String, RawTensor> fromBin = binFiles.readTensors();
        Map<String, RawTensor> fromSafe = safe.weightFiles(component, null).readTensors();
        assertEquals(fromSafe.keySet(), fromBin.keySet());
        for (RawTensor s : fromSafe.values()) {
            RawTensor b = fromBin.get(s.name());
            assertEquals(s.type(), b.type(), s.name());
            assertArrayEquals(s.shape(), b.shape(), s.name());
            assertEquals(s.data(), b.data(), s.name() + ": bytes differ");
        }
    }

    private Path write(byte[] pickle, Map<String, byte[]> storages) throws IOException {
        return TestCheckpoints.torchZip(tmp.resolve("model.bin"), pickle, storages, false);
    }

    /** An OrderedDict state dict whose items the consumer writes (name, tensor pairs). */
    private static byte[] stateDict(Consumer<PickleBuilder> items) {
        PickleBuilder p = new PickleBuilder().proto(2).global("collections", "OrderedDict").emptyTuple().reduce().mark();
        items.accept(p);
        return p.setItems().stop().bytes();
    }

    @Test
    void readsOffsetViewsAndSharedStorages() throws IOException {
        byte[] pickle = stateDict(p -> {
            p.str("first").tensor("FloatStorage", "0", 6, 0, new long[] {2}, new long[] {1});
            p.str("rest").tensor("FloatStorage", "0", 6, 2, new long[] {2, 2}, new long[] {2, 1});
        });
        try (TorchBinFile f = TorchBinFile.open(write(pickle, Map.of("0", floats(0, 1, 2, 3, 4, 5))));
             NDManager m = NDManager.newBaseManager()) {
            StateDict sd = new StateDict("views", f.tensors(), LoadOptions.cpuFloat32());
            assertArrayEquals(new float[] {0, 1}, sd.takeFloat(m, "first", 2).toFloatArray());
            assertArrayEquals(new float[] {2, 3, 4, 5}, sd.takeFloat(m, "rest", 2, 2).toFloatArray());
        }
    }

    @Test
    void copiesNonContiguousViewsIntoCOrder() throws IOException {
        // the transpose of a 2×3 matrix [[0,1,2],[3,4,5]] as torch stores it: size (3,2), stride (1,3), offset 0
        byte[] pickle = stateDict(p -> p.str("t").tensor("FloatStorage", "0", 6, 0, new long[] {3, 2}, new long[] {1, 3}));
        try (TorchBinFile f = TorchBinFile.open(write(pickle, Map.of("0", floats(0, 1, 2, 3, 4, 5))));
             NDManager m = NDManager.newBaseManager()) {
            NDArray t = new StateDict("t", f.tensors(), LoadOptions.cpuFloat32()).takeFloat(m, "t", 3, 2);
            assertArrayEquals(new float[] {0, 3, 1, 4, 2, 5}, t.toFloatArray());
        }
    }

    @Test
    void convertsHalfAndBFloat16StoragesToFloat32() throws IOException {
        // f16 1, -2, 0.5, 65504, 2^-24 (smallest subnormal); bf16 1, -2.5, 0.15625, 3.140625 (exact upper halves)
        byte[] pickle = stateDict(p -> {
            p.str("h").tensor("HalfStorage", "0", 5, 0, new long[] {5}, new long[] {1});
            p.str("b").tensor("BFloat16Storage", "1", 4, 0, new long[] {4}, new long[] {1});
        });
        int[] bf16 = {0x3F80, 0xC020, 0x3E20, Float.floatToIntBits(3.140625f) >>> 16};
        Path file = write(pickle, Map.of("0", shorts(0x3C00, 0xC000, 0x3800, 0x7BFF, 0x0001), "1", shorts(bf16)));
        try (TorchBinFile f = TorchBinFile.open(file); NDManager m = NDManager.newBaseManager()) {
            StateDict sd = new StateDict("mixed", f.tensors(), LoadOptions.cpuFloat32());
            assertEquals(StorageType.BF16, f.tensors().get("b").type());
            assertArrayEquals(new float[] {1, -2, 0.5f, 65504, 0x1p-24f}, sd.takeFloat(m, "h", 5).toFloatArray());
            assertArrayEquals(new float[] {1, -2.5f, 0.15625f, 3.140625f}, sd.takeFloat(m, "b", 4).toFloatArray());
        }
    }

    @Test
    void readsProtocol4OpcodesAndParameters() throws IOException {
        // FRAME, SHORT_BINUNICODE, MEMOIZE, STACK_GLOBAL, BINGET of a memoised storage, _rebuild_parameter
        PickleBuilder p = new PickleBuilder().proto(4).op(0x95, 0, 0, 0, 0, 0, 0, 0, 0)
                .shortStr("collections").shortStr("OrderedDict").op(0x93, 0x94).emptyTuple().reduce().op(0x94).mark();
        p.shortStr("w").global("torch._utils", "_rebuild_parameter").mark();
        p.tensor("LongStorage", "0", 3, 0, new long[] {3}, new long[] {1}).newFalse();
        p.global("collections", "OrderedDict").emptyTuple().reduce().tuple().reduce();
        p.setItems().stop();
        try (TorchBinFile f = TorchBinFile.open(write(p.bytes(), Map.of("0", TestCheckpoints.longs(7, -8, 9))));
             NDManager m = NDManager.newBaseManager()) {
            StateDict sd = new StateDict("p", f.tensors(), LoadOptions.cpuFloat32());
            assertArrayEquals(new long[] {7, -8, 9}, sd.take(m, "w", 3).toLongArray());
        }
    }

    @Test
    void readsZip64Archives() throws IOException {
        byte[] pickle = stateDict(p -> p.str("x").tensor("FloatStorage", "0", 3, 0, new long[] {3}, new long[] {1}));
        Path file = TestCheckpoints.torchZip(tmp.resolve("big.bin"), pickle, Map.of("0", floats(1, 2, 3)), true);
        try (TorchBinFile f = TorchBinFile.open(file); NDManager m = NDManager.newBaseManager()) {
            NDArray x = new StateDict("z", f.tensors(), LoadOptions.cpuFloat32()).takeFloat(m, "x", 3);
            assertArrayEquals(new float[] {1, 2, 3}, x.toFloatArray());
        }
    }

    @Test
    void refusesGlobalsReachedThroughStackGlobal() throws IOException {
        byte[] pickle = new PickleBuilder().proto(4).shortStr("builtins").shortStr("eval").op(0x93)
                .mark().str("__import__('os').system('touch " + PWNED + "')").tuple().reduce().stop().bytes();
        Path file = write(pickle, Map.of());
        WeightsException e = assertThrows(WeightsException.class, () -> TorchBinFile.open(file));
        assertTrue(e.getMessage().contains(file + ": refused pickle global 'builtins.eval'"), e.getMessage());
        assertFalse(Files.exists(PWNED));
    }

    private void assertRefused(byte[] pickle, Map<String, byte[]> storages, String expected) throws IOException {
        Path file = write(pickle, storages);
        WeightsException e = assertThrows(WeightsException.class, () -> TorchBinFile.open(file).close());
        assertTrue(e.getMessage().contains(expected), e.getMessage());
        assertTrue(e.getMessage().startsWith(file.toString()), e.getMessage());
    }

    @Test
    void refusesViewsBeyondTheirStorage() throws IOException {
        assertRefused(stateDict(p -> p.str("x").tensor("FloatStorage", "0", 4, 2, new long[] {2, 2}, new long[] {2, 1})),
                Map.of("0", floats(0, 1, 2, 3)), "tensor 'x' (F32[2, 2] at offset 2 stride [2, 1] of storage '0'): "
                        + "view reaches element 6 of a 4-element storage");
    }

    @Test
    void refusesStorageRecordsShorterThanDeclared() throws IOException {
        assertRefused(stateDict(p -> p.str("x").tensor("FloatStorage", "0", 4, 0, new long[] {4}, new long[] {1})),
                Map.of("0", floats(0, 1, 2)), "storage record holds 12 bytes, needs 16");
    }

    @Test
    void refusesMissingStorageRecords() throws IOException {
        assertRefused(stateDict(p -> p.str("x").tensor("FloatStorage", "7", 1, 0, new long[] {1}, new long[] {1})),
                Map.of(), "record 'archive/data/7' (bytes of storage '7') is missing from the archive");
    }

    @Test
    void refusesStorageKeysWithTwoTypes() throws IOException {
        assertRefused(stateDict(p -> {
            p.str("x").tensor("FloatStorage", "0", 2, 0, new long[] {2}, new long[] {1});
            p.str("y").tensor("HalfStorage", "0", 2, 0, new long[] {2}, new long[] {1});
        }), Map.of("0", floats(0, 1)), "storage '0' is declared both as F32[2] and as F16[2]");
    }

    @Test
    void refusesPicklesThatAreNotStateDicts() throws IOException {
        assertRefused(new PickleBuilder().proto(2).mark().integer(1).tuple().stop().bytes(), Map.of(),
                "expected a state dict (name → tensor), found");
        assertRefused(new PickleBuilder().proto(2).emptyDict().str("epoch").integer(3).op('s').stop().bytes(), Map.of(),
                "found entry 'epoch' holding Long");
    }

    @Test
    void refusesUnknownOpcodesAndTruncatedPickles() throws IOException {
        assertRefused(new PickleBuilder().proto(2).op('i').bytes(), Map.of(), "unsupported pickle opcode 0x69 at byte 2");
        assertRefused(new PickleBuilder().proto(2).emptyDict().str("a").bytes(), Map.of(), "truncated pickle");
    }

    /** BINUNICODE8 (0x8d) carries an unsigned 64-bit length: one of 2^63 or more is negative as a Java long. */
    @ParameterizedTest
    @ValueSource(longs = {Long.MIN_VALUE, -1L, Long.MIN_VALUE + 3})
    void refusesStringLengthsBeyondTheFile(long length) throws IOException {
        PickleBuilder p = new PickleBuilder().proto(4).op(0x8d);
        for (int i = 0; i < 8; i++) {
            p.op((int) (length >>> (8 * i)) & 0xFF);
        }
        assertRefused(p.op('a', 'b', 'c', '.').bytes(), Map.of(), "corrupt pickle at byte 2: string of "
                + Long.toUnsignedString(length) + " bytes runs past the end of the pickle");
    }

    /** A list that contains itself through a tuple: {@code l = []; l.append((l,))}, memo 0. */
    private static PickleBuilder cyclicList(PickleBuilder p) {
        return p.op(']', 'q', 0, 'h', 0, 0x85, 'a');
    }

    /**
     * Python refuses a list as a dict key (unhashable); Java hashes it, which for a list that contains itself never
     * ends (StackOverflowError), and for tuples that share their items doubles with each level.
     */
    @Test
    void refusesUnhashableAndOversizedDictKeys() throws IOException {
        byte[] listKey = cyclicList(new PickleBuilder().proto(2).emptyDict()).integer(1).op('s').stop().bytes();
        assertRefused(listKey, Map.of(), "corrupt pickle at byte " + (listKey.length - 2)
                + ": dict key is a list (unhashable)");
        PickleBuilder nested = new PickleBuilder().proto(2).emptyDict().emptyTuple();
        for (int level = 0; level < 64; level++) {
            nested.op('q', 0, 'h', 0, 0x86); // t = (t, t)
        }
        byte[] pickle = nested.integer(1).op('s').stop().bytes();
        assertRefused(pickle, Map.of(), "corrupt pickle at byte " + (pickle.length - 2)
                + ": dict key of more than 65536 items and characters");
    }

    /** The pre-1.6 format's header values are described, never printed whole or hashed: they may contain themselves. */
    @Test
    void describesBadLegacyHeaderValuesWithoutPrintingThem() throws IOException {
        byte[] magic = new PickleBuilder().proto(2).op(0x8a, 10, 0x6c, 0xfc, 0x9c, 0x46, 0xf9, 0x20, 0x6a, 0xa8, 0x50, 0x19)
                .stop().bytes();
        Path file = tmp.resolve("legacy.bin");
        byte[] protocol = cyclicList(new PickleBuilder().proto(2)).op(0x85).stop().bytes(); // (l,)
        Files.write(file, concat(magic, protocol));
        WeightsException e = assertThrows(WeightsException.class, () -> TorchBinFile.open(file));
        assertEquals(file + ": unsupported legacy torch.save protocol a tuple of 1 (expected 1001)", e.getMessage());

        byte[] header = concat(magic, new PickleBuilder().proto(2).integer(1001).stop().bytes(),
                new PickleBuilder().proto(2).emptyDict().str("little_endian").op(0x88).op('s').stop().bytes(),
                new PickleBuilder().proto(2).emptyDict().stop().bytes());
        Files.write(file, concat(header, cyclicList(new PickleBuilder().proto(2).op(']')).op('a').stop().bytes()));
        e = assertThrows(WeightsException.class, () -> TorchBinFile.open(file));
        assertEquals(file + ": legacy checkpoint: storage key a list of 1 is not a string", e.getMessage());
    }

    private static byte[] concat(byte[]... parts) {
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        for (byte[] p : parts) {
            out.writeBytes(p);
        }
        return out.toByteArray();
    }

    @Test
    void refusesBigEndianCheckpoints() throws IOException {
        byte[] pickle = stateDict(p -> { });
        Path file = TestCheckpoints.zip(tmp.resolve("be.bin"), new LinkedHashMap<>(Map.of(
                "archive/data.pkl", pickle, "archive/byteorder", "big".getBytes())), false);
        WeightsException e = assertThrows(WeightsException.class, () -> TorchBinFile.open(file));
        assertTrue(e.getMessage().contains("stored 'big'-endian"), e.getMessage());
    }

    @Test
    void refusesCompressedRecords() throws IOException {
        Path file = tmp.resolve("deflated.bin");
        try (OutputStream out = Files.newOutputStream(file); ZipOutputStream zip = new ZipOutputStream(out)) {
            zip.putNextEntry(new ZipEntry("archive/data.pkl"));
            zip.write(stateDict(p -> { }));
            zip.closeEntry();
        }
        WeightsException e = assertThrows(WeightsException.class, () -> TorchBinFile.open(file));
        assertTrue(e.getMessage().contains("record 'archive/data.pkl' is compressed (method 8)"), e.getMessage());
    }

    @Test
    void refusesZipsWithoutDataPickle() throws IOException {
        Path file = TestCheckpoints.zip(tmp.resolve("other.bin"), Map.of("readme.txt", "hi".getBytes()), false);
        WeightsException e = assertThrows(WeightsException.class, () -> TorchBinFile.open(file));
        assertTrue(e.getMessage().contains("expected one '<archive>/data.pkl' record, found none"), e.getMessage());
    }

    @Test
    void refusesCorruptCentralDirectory() throws IOException {
        byte[] pickle = stateDict(p -> { });
        Path file = write(pickle, Map.of());
        byte[] bytes = Files.readAllBytes(file);
        ByteBuffer b = ByteBuffer.wrap(bytes).order(java.nio.ByteOrder.LITTLE_ENDIAN);
        int eocd = bytes.length - 22;
        b.putInt(eocd + 16, bytes.length); // directory offset past the end
        Files.write(file, bytes);
        WeightsException e = assertThrows(WeightsException.class, () -> TorchBinFile.open(file));
        assertTrue(e.getMessage().contains("corrupt zip archive: central directory"), e.getMessage());
    }
}
