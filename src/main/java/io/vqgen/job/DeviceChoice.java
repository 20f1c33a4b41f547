package io.vqgen.job;

import io.vqgen.model.layers.CudaDevices;
import org.apache.spark.TaskContext;
import org.apache.spark.resource.ResourceInformation;

import java.util.Map;
import java.util.function.IntSupplier;

/**
 * The device a task runs its batches on. {@code auto}: the GPU Spark assigned to the task (GPU scheduling,
 * resource "gpu"), else the CPU; and the CPU when this JVM's engine cannot use the assigned GPU (a CPU-only
 * libtorch, no CUDA, or fewer GPUs than the address), so that a cluster whose GPU setup is broken still
 * produces images, with a warning. {@code gpu}: the assigned GPU, else gpu:0 (a single machine without GPU
 * scheduling). {@code cpu} and {@code gpu:N} are taken as they are. Explicit GPU choices never fall back: they
 * fail when the model is loaded.
 */
final class DeviceChoice {
    private DeviceChoice() {
    }

    /**
     * What a task was given and what it runs on.
     *
     * @param assigned the device Spark's GPU assignment names ("gpu:&lt;address&gt;"), null without one
     * @param used     the device the pipeline is loaded on
     * @param gpuCount GPUs this JVM's engine can use; -1 when it was not asked (no GPU involved)
     */
    record TaskDevice(String assigned, String used, int gpuCount) {
        /** The device was a GPU this JVM cannot use, so the task runs on the CPU. */
        boolean fellBack() {
            return gpuCount >= 0 && used.equals("cpu");
        }
    }

    /**
     * For the running task (outside a task: no assignment); asks libtorch for its CUDA device count only if needed
     * (not DJL's getGpuCount, which probes for a system libcudart that images with a bundled CUDA runtime lack).
     */
    static TaskDevice forTask(String configured) {
        TaskContext task = TaskContext.get();
        return choose(configured, task == null ? Map.of() : task.resourcesJMap(), CudaDevices::count);
    }

    /**
     * @param gpuCount GPUs libtorch can use (0 without a CUDA libtorch or without CUDA devices); asked
     *                 only when {@code configured} is auto and the choice is a GPU
     */
    static TaskDevice choose(String configured, Map<String, ResourceInformation> resources, IntSupplier gpuCount) {
        String assigned = assigned(resources);
        String resolved = resolve(configured, assigned);
        if (!configured.equals("auto") || !resolved.startsWith("gpu:")) {
            return new TaskDevice(assigned, resolved, -1);
        }
        int count = gpuCount.getAsInt();
        return new TaskDevice(assigned, usable(resolved, count), count);
    }

    /** The GPU itself if this JVM has it (its index below the engine's GPU count), else the CPU. */
    static String usable(String gpu, int gpuCount) {
        try {
            int index = Integer.parseInt(gpu.substring("gpu:".length()));
            return index >= 0 && index < gpuCount ? gpu : "cpu";
        } catch (NumberFormatException notAnIndex) {
            return "cpu"; // a discovery script that names GPUs by something other than their CUDA index
        }
    }

    static String resolve(String configured, Map<String, ResourceInformation> resources) {
        return resolve(configured, assigned(resources));
    }

    private static String resolve(String configured, String assigned) {
        return switch (configured) {
            case "auto" -> assigned != null ? assigned : "cpu";
            case "gpu" -> assigned != null ? assigned : "gpu:0";
            default -> configured;
        };
    }

    private static String assigned(Map<String, ResourceInformation> resources) {
        ResourceInformation gpus = resources.get("gpu");
        return gpus != null && gpus.addresses().length > 0 ? "gpu:" + gpus.addresses()[0] : null;
    }
}
