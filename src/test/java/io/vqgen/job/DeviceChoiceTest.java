package io.vqgen.job;

import org.apache.spark.resource.ResourceInformation;
import org.junit.jupiter.api.Test;

import java.util.Map;
import java.util.function.IntSupplier;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class DeviceChoiceTest {
    private static final Map<String, ResourceInformation> GPU_3 = Map.of("gpu", new ResourceInformation("gpu", new String[] {"3"}));
    private static final IntSupplier NOT_ASKED = () -> {
        throw new AssertionError("the GPU count is only needed when auto chose a GPU");
    };

    @Test
    void usesTheGpuSparkAssignedElseTheCpu() {
        assertEquals("gpu:3", DeviceChoice.resolve("auto", GPU_3));
        assertEquals("cpu", DeviceChoice.resolve("auto", Map.of()));
        assertEquals("gpu:3", DeviceChoice.resolve("gpu", GPU_3));
        assertEquals("gpu:0", DeviceChoice.resolve("gpu", Map.of()));
        assertEquals("cpu", DeviceChoice.resolve("cpu", GPU_3));
        assertEquals("gpu:1", DeviceChoice.resolve("gpu:1", GPU_3));
        assertEquals(new DeviceChoice.TaskDevice(null, "cpu", -1), DeviceChoice.forTask("auto"), "outside a Spark task");
    }

    @Test
    void autoFallsBackToTheCpuWhenThisJvmCannotUseTheAssignedGpu() {
        DeviceChoice.TaskDevice none = DeviceChoice.choose("auto", GPU_3, () -> 0);
        assertEquals(new DeviceChoice.TaskDevice("gpu:3", "cpu", 0), none, "CPU-only libtorch or no CUDA");
        assertTrue(none.fellBack());

        DeviceChoice.TaskDevice tooFew = DeviceChoice.choose("auto", GPU_3, () -> 3);
        assertEquals(new DeviceChoice.TaskDevice("gpu:3", "cpu", 3), tooFew, "address 3 needs at least 4 GPUs");
        assertTrue(tooFew.fellBack());

        DeviceChoice.TaskDevice usable = DeviceChoice.choose("auto", GPU_3, () -> 4);
        assertEquals(new DeviceChoice.TaskDevice("gpu:3", "gpu:3", 4), usable);
        assertFalse(usable.fellBack());

        Map<String, ResourceInformation> named = Map.of("gpu", new ResourceInformation("gpu", new String[] {"GPU-5e3a"}));
        assertEquals(new DeviceChoice.TaskDevice("gpu:GPU-5e3a", "cpu", 8), DeviceChoice.choose("auto", named, () -> 8),
                "an address that is no CUDA index cannot be used");
    }

    @Test
    void explicitChoicesAndTheCpuNeverAskTheEngineAndNeverFallBack() {
        assertEquals(new DeviceChoice.TaskDevice(null, "cpu", -1), DeviceChoice.choose("auto", Map.of(), NOT_ASKED));
        assertEquals(new DeviceChoice.TaskDevice("gpu:3", "gpu:3", -1), DeviceChoice.choose("gpu", GPU_3, NOT_ASKED));
        assertEquals(new DeviceChoice.TaskDevice(null, "gpu:0", -1), DeviceChoice.choose("gpu", Map.of(), NOT_ASKED));
        assertEquals(new DeviceChoice.TaskDevice("gpu:3", "gpu:1", -1), DeviceChoice.choose("gpu:1", GPU_3, NOT_ASKED));
        DeviceChoice.TaskDevice cpu = DeviceChoice.choose("cpu", GPU_3, NOT_ASKED);
        assertEquals(new DeviceChoice.TaskDevice("gpu:3", "cpu", -1), cpu);
        assertFalse(cpu.fellBack(), "cpu was asked for");
    }
}
