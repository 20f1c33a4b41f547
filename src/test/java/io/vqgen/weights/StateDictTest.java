package io.vqgen.weights;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

import static io.vqgen.weights.TestCheckpoints.Tensor;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class StateDictTest {
    @TempDir
    Path tmp;

    private StateDict load(Map<String, Tensor> tensors, LoadOptions options) throws IOException {
        Path file = TestCheckpoints.safetensors(tmp.resolve("w.safetensors"), tensors);
        try (TensorFile f = TensorFile.open(file)) {
            return new StateDict("comp", f.tensors(), options);
        }
    }

    private StateDict sample() throws IOException {
        Map<String, Tensor> t = new LinkedHashMap<>();
        t.put("w", Tensor.f32(new long[] {2, 2}, 1, 2, 3, 4));
        t.put("ids", new Tensor("I64", new long[] {3}, TestCheckpoints.longs(0, 1, 2)));
        return load(t, LoadOptions.cpuFloat32());
    }

    private static void assertMessage(Runnable r, String... parts) {
        WeightsException e = assertThrows(WeightsException.class, r::run);
        for (String p : parts) {
            assertTrue(e.getMessage().contains(p), "expected '" + p + "' in: " + e.getMessage());
        }
    }

    @Test
    void reportsMissingTensor() throws IOException {
        StateDict sd = sample();
        try (NDManager m = NDManager.newBaseManager()) {
            assertMessage(() -> sd.takeFloat(m, "bias", 2), "comp: missing tensor 'bias' (expected shape [2]) in ",
                    "w.safetensors");
        }
    }

    @Test
    void reportsUnexpectedTensor() throws IOException {
        StateDict sd = sample();
        try (NDManager m = NDManager.newBaseManager()) {
            sd.takeFloat(m, "w", 2, 2);
            assertMessage(sd::checkAllTaken, "comp: 1 unexpected tensor(s) in ", "does not use: ids");
        }
    }

    @Test
    void reportsWrongShape() throws IOException {
        StateDict sd = sample();
        try (NDManager m = NDManager.newBaseManager()) {
            assertMessage(() -> sd.takeFloat(m, "w", 4), "tensor 'w' in ", "w.safetensors has shape [2, 2], expected [4]");
        }
    }

    @Test
    void reportsWrongKindOfTensor() throws IOException {
        StateDict sd = sample();
        try (NDManager m = NDManager.newBaseManager()) {
            assertMessage(() -> sd.takeFloat(m, "ids", 3), "comp: tensor 'ids' in ", "w.safetensors is I64, "
                    + "expected a floating-point tensor (to load as float32)");
            assertMessage(() -> sd.take(m, "w", DataType.INT64, 2, 2), "tensor 'w' in ", "is F32, expected an integer tensor");
            assertArrayEquals(new long[] {0, 1, 2}, sd.take(m, "ids", DataType.INT64, 3).toLongArray());
            assertEquals(DataType.INT64, sd.take(m, "ids", 3).getDataType());
        }
    }

    @Test
    void widensHalfBFloat16AndInt16() throws IOException {
        // f16: 1, -2, 0.5, 65504, 2^-24 (smallest subnormal); bf16: exact upper halves of float32 values
        float[] bf = {1, -2.5f, 0.15625f, 3.140625f, -1e-20f};
        int[] bfBits = new int[bf.length];
        float[] bfExpected = new float[bf.length];
        for (int i = 0; i < bf.length; i++) {
            bfBits[i] = Float.floatToIntBits(bf[i]) >>> 16;
            bfExpected[i] = Float.intBitsToFloat(bfBits[i] << 16);
        }
        Map<String, Tensor> t = new LinkedHashMap<>();
        t.put("h", new Tensor("F16", new long[] {5}, TestCheckpoints.shorts(0x3C00, 0xC000, 0x3800, 0x7BFF, 0x0001)));
        t.put("b", new Tensor("BF16", new long[] {5}, TestCheckpoints.shorts(bfBits)));
        t.put("s", new Tensor("I16", new long[] {2}, TestCheckpoints.shorts(-3, 32767)));
        StateDict sd = load(t, LoadOptions.cpuFloat32());
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray h = sd.takeFloat(m, "h", 5);
            assertEquals(DataType.FLOAT32, h.getDataType());
            assertArrayEquals(new float[] {1, -2, 0.5f, 65504, 0x1p-24f}, h.toFloatArray());
            assertArrayEquals(bfExpected, sd.takeFloat(m, "b", 5).toFloatArray());
            assertArrayEquals(new int[] {-3, 32767}, sd.take(m, "s", 2).toIntArray());
            NDArray asHalf = new StateDict("comp", sd.tensors(), new LoadOptions(DataType.FLOAT16, Device.cpu()))
                    .takeFloat(m, "b", 5);
            assertEquals(DataType.FLOAT16, asHalf.getDataType());
            assertEquals(1f, asHalf.toType(DataType.FLOAT32, false).toFloatArray()[0]);
        }
    }

    @Test
    void loadOptionsRefuseBFloat16AndOddVariants() {
        IllegalArgumentException bf = assertThrows(IllegalArgumentException.class,
                () -> new LoadOptions(DataType.BFLOAT16, Device.cpu()));
        assertTrue(bf.getMessage().contains("no bfloat16"), bf.getMessage());
        IllegalArgumentException v = assertThrows(IllegalArgumentException.class,
                () -> LoadOptions.cpuFloat32().withVariant("../fp16"));
        assertTrue(v.getMessage().contains("'../fp16'"), v.getMessage());
        assertEquals("fp16", LoadOptions.cpuFloat32().withVariant("fp16").variant());
    }
}
