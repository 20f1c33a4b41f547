package io.vqgen.job;

import org.apache.spark.TaskContext;
import org.apache.spark.resource.ResourceInformation;

import java.util.Map;

/**
 * The device a task runs its batches on. {@code auto}: the GPU Spark assigned to the task (GPU scheduling,
 * resource "gpu"), else the CPU. {@code gpu}: the assigned GPU, else gpu:0 (a single machine without GPU
 * scheduling). {@code cpu} and {@code gpu:N} are taken as they are.
 */
final class DeviceChoice {
    private DeviceChoice() {
    }

    static String forTask(String configured) {
        TaskContext task = TaskContext.get();
        return resolve(configured, task == null ? Map.of() : task.resourcesJMap());
    }

    static String resolve(String configured, Map<String, ResourceInformation> resources) {
        ResourceInformation gpus = resources.get("gpu");
        String assigned = gpus != null && gpus.addresses().length > 0 ? "gpu:" + gpus.addresses()[0] : null;
        return switch (configured) {
            case "auto" -> assigned != null ? assigned : "cpu";
            case "gpu" -> assigned != null ? assigned : "gpu:0";
            default -> configured;
        };
    }
}
