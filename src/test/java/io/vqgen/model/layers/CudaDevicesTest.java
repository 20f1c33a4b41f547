package io.vqgen.model.layers;

import ai.djl.engine.Engine;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

class CudaDevicesTest {
    @Test
    void countsWhatLibtorchItselfCanUse() {
        // libtorch's torch::cuda::is_available() is "device count > 0": the count must agree with it. The tests run
        // on the CPU libtorch (0 devices); a CUDA build would answer with the devices its bundled runtime sees.
        boolean cuda = Engine.getEngine("PyTorch").hasCapability("CUDA");
        assertEquals(cuda, CudaDevices.count() > 0, "cuda::device_count vs torch::cuda::is_available");
        assertEquals(CudaDevices.count(), CudaDevices.count(), "asked once per JVM");
    }
}
