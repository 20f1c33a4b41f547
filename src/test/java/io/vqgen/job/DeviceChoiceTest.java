package io.vqgen.job;

import org.apache.spark.resource.ResourceInformation;
import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;

class DeviceChoiceTest {
    private static final Map<String, ResourceInformation> GPU_3 = Map.of("gpu", new ResourceInformation("gpu", new String[] {"3"}));

    @Test
    void usesTheGpuSparkAssignedElseTheCpu() {
        assertEquals("gpu:3", DeviceChoice.resolve("auto", GPU_3));
        assertEquals("cpu", DeviceChoice.resolve("auto", Map.of()));
        assertEquals("gpu:3", DeviceChoice.resolve("gpu", GPU_3));
        assertEquals("gpu:0", DeviceChoice.resolve("gpu", Map.of()));
        assertEquals("cpu", DeviceChoice.resolve("cpu", GPU_3));
        assertEquals("gpu:1", DeviceChoice.resolve("gpu:1", GPU_3));
        assertEquals("cpu", DeviceChoice.forTask("auto"), "outside a Spark task");
    }
}
