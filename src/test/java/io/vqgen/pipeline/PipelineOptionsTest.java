package io.vqgen.pipeline;

import ai.djl.Device;
import ai.djl.ndarray.types.DataType;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** The one parser of device and dtype names: what it accepts, and a typed error naming what was expected otherwise. */
class PipelineOptionsTest {

    @Test
    void parsesDevicesAndDtypes() {
        assertEquals(Device.cpu(), PipelineOptions.parseDevice("cpu"));
        assertEquals(Device.cpu(), PipelineOptions.parseDevice(null));
        assertEquals(Device.gpu(0), PipelineOptions.parseDevice("gpu"));
        assertEquals(Device.gpu(3), PipelineOptions.parseDevice("gpu:3"));
        assertEquals(DataType.FLOAT32, PipelineOptions.parseDtype("float32"));
        assertEquals(DataType.FLOAT32, PipelineOptions.parseDtype("fp32"));
        assertEquals(DataType.FLOAT32, PipelineOptions.parseDtype(null));
        assertEquals(DataType.FLOAT16, PipelineOptions.parseDtype("float16"));
        assertEquals(DataType.FLOAT16, PipelineOptions.parseDtype("fp16"));
        assertEquals(DataType.FLOAT16, new PipelineOptions("gpu:1", "float16").loadOptions().floatType());
    }

    @Test
    void refusesBfloat16WithTheReasonBeforeAnyTensorIsMade() {
        for (String name : new String[] {"bfloat16", "bf16"}) {
            PipelineException e = assertThrows(PipelineException.class, () -> new PipelineOptions("cpu", name));
            assertEquals("dtype '" + name + "': bfloat16 is not supported: DJL 0.36's PyTorch engine cannot hold bfloat16"
                    + " tensors (creating one aborts the JVM); use float16 (GPU) or float32", e.getMessage());
        }
    }

    @Test
    void refusesUnknownNamesSayingWhatIsExpected() {
        assertEquals("unknown dtype 'int8' (expected float32 or float16)",
                assertThrows(PipelineException.class, () -> PipelineOptions.parseDtype("int8")).getMessage());
        for (String device : new String[] {"cuda", "gpu:", "gpu:-1", "gpu:x", ""}) {
            assertEquals("unknown device '" + device + "' (expected cpu, gpu or gpu:N)",
                    assertThrows(PipelineException.class, () -> new PipelineOptions(device, "float32")).getMessage());
        }
    }
}
