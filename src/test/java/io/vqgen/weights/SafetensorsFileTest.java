package io.vqgen.weights;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import io.vqgen.Reference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.nio.file.Path;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SafetensorsFileTest {

    @Test
    void loadsSmallGoodFile() {
        try (SafetensorsFile f = SafetensorsFile.open(Reference.path("bad-weights", "small-good.safetensors"));
             NDManager m = NDManager.newBaseManager()) {
            RawTensor t = f.tensors().get("a.weight");
            assertEquals(StorageType.F32, t.type());
            assertArrayEquals(new long[] {2, 3}, t.shape());
            StateDict sd = new StateDict("test", f.tensors(), LoadOptions.cpuFloat32());
            NDArray a = sd.take(m, "a.weight", 2, 3);
            assertArrayEquals(new float[] {0, 1, 2, 3, 4, 5}, a.toFloatArray());
            sd.checkAllTaken();
        }
    }

    @Test
    void loadsTinyModelWithInt64Buffer() {
        Path file = Reference.path("tiny-a", "model", "text_encoder", "model.safetensors");
        try (SafetensorsFile f = SafetensorsFile.open(file)) {
            assertEquals(85, f.tensors().size());
            RawTensor ids = f.tensors().get("text_model.embeddings.position_ids");
            assertEquals(StorageType.I64, ids.type());
            assertEquals(Map.of("format", "pt"), f.metadata());
        }
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "empty.safetensors|expected at least an 8-byte header length",
            "header-bad-json.safetensors|not valid JSON",
            "header-length-huge.safetensors|corrupt safetensors header length",
            "header-length-past-eof.safetensors|runs past the end",
            "negative-shape.safetensors|invalid dimension",
            "overlapping-offsets.safetensors|overlap",
            "shape-overflow.safetensors|overflows",
            "shape-size-mismatch.safetensors|needs 24 bytes, but data_offsets give 20",
            "truncated.safetensors|point past the end of the data area",
            "unknown-dtype.safetensors|unsupported dtype 'Q7'"})
    void refusesBrokenFiles(String file, String expected) {
        Path path = Reference.path("bad-weights", file);
        WeightsException e = assertThrows(WeightsException.class, () -> SafetensorsFile.open(path).close());
        assertTrue(e.getMessage().contains(expected), e.getMessage());
        assertTrue(e.getMessage().contains(file), "message names the file: " + e.getMessage());
    }

    @Test
    void missingFileIsNamed() {
        WeightsException e = assertThrows(WeightsException.class,
                () -> SafetensorsFile.open(Path.of("/nonexistent/x.safetensors")));
        assertTrue(e.getMessage().contains("/nonexistent/x.safetensors: file not found"), e.getMessage());
    }
}
