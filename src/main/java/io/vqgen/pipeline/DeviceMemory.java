package io.vqgen.pipeline;

import ai.djl.Device;
import ai.djl.util.cuda.CudaUtils;

import java.io.IOException;
import java.lang.management.MemoryUsage;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Memory of the device a pipeline runs on, as {@code batch_size=auto} measures it. On the CPU: this process's
 * resident set (/proc/self/status VmRSS, its peak VmHWM, reset by writing 5 to /proc/self/clear_refs) and the
 * system's MemAvailable. On a GPU: the device's used and free memory (cudaMemGetInfo); libtorch's caching
 * allocator keeps the blocks a call reserved, so what is used after a call is the call's peak.
 */
final class DeviceMemory {
    private DeviceMemory() {
    }

    /** Bytes a new allocation can take now. */
    static long available(Device device) {
        if (isCpu(device)) {
            return procKib(Path.of("/proc/meminfo"), "MemAvailable:") * 1024;
        }
        MemoryUsage gpu = CudaUtils.getGpuMemory(device);
        return gpu.getMax() - gpu.getUsed();
    }

    /** Bytes in use now: this process's resident set, or the GPU's used memory. */
    static long used(Device device) {
        if (isCpu(device)) {
            return procKib(Path.of("/proc/self/status"), "VmRSS:") * 1024;
        }
        return CudaUtils.getGpuMemory(device).getUsed();
    }

    /** Starts a new peak: {@link #peak} then reports the most used from now on. */
    static void resetPeak(Device device) {
        if (isCpu(device)) {
            try {
                Files.writeString(Path.of("/proc/self/clear_refs"), "5");
            } catch (IOException | UnsupportedOperationException e) {
                throw new PipelineException("batch_size=auto: cannot reset the peak resident set size (/proc/self/clear_refs: "
                        + e.getMessage() + "); set batch_size to a number");
            }
        }
    }

    /** The most bytes used since {@link #resetPeak}. */
    static long peak(Device device) {
        if (isCpu(device)) {
            return procKib(Path.of("/proc/self/status"), "VmHWM:") * 1024;
        }
        return used(device);
    }

    private static boolean isCpu(Device device) {
        return device.getDeviceType().equals(Device.Type.CPU);
    }

    private static long procKib(Path file, String key) {
        try {
            for (String line : Files.readAllLines(file)) {
                if (line.startsWith(key)) {
                    return Long.parseLong(line.substring(key.length()).replace("kB", "").strip());
                }
            }
        } catch (IOException | NumberFormatException e) {
            throw new PipelineException("batch_size=auto: cannot read " + key + " from " + file + " (" + e.getMessage()
                    + "); set batch_size to a number");
        }
        throw new PipelineException("batch_size=auto: " + file + " has no " + key + " line; set batch_size to a number");
    }
}
