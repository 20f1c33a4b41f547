package io.vqgen.model.layers;

import ai.djl.engine.Engine;
import ai.djl.engine.EngineException;
import ai.djl.ndarray.NDManager;
import ai.djl.pytorch.engine.PtSymbolBlock;
import ai.djl.pytorch.jni.IValue;
import ai.djl.pytorch.jni.IValueUtils;
import org.slf4j.LoggerFactory;

/**
 * The number of CUDA devices libtorch itself can use. DJL's {@code Engine.getGpuCount()} does not ask libtorch:
 * it loads a separate {@code libcudart} by name through JNA, which a libtorch that bundles its CUDA runtime (the
 * official "shared-with-deps" archives, under hashed file names) does not provide, so on such an image it
 * reports 0 GPUs while libtorch can use them all. Here libtorch answers: {@code torch::cuda::is_available()}
 * (DJL's "CUDA" capability), and if so {@code torch.cuda.device_count()} through an {@link InlineTorchScript}
 * module ({@code cuda::device_count}, an operator only CUDA builds of libtorch register). Asked once per JVM: the
 * count does not change while the process runs.
 */
public final class CudaDevices {
    private static final String SOURCE = """
              def count(self: __torch__.CudaDevices) -> int:
                return ops.cuda.device_count()
            """;

    private CudaDevices() {
    }

    private static final class Count {
        static final int VALUE = ask();

        private static int ask() {
            if (!Engine.getEngine("PyTorch").hasCapability("CUDA")) {
                return 0; // a CPU-only libtorch, no driver, or no device
            }
            try {
                // A few bytes of compiled code, used once; its manager lives as long as the JVM.
                PtSymbolBlock module = InlineTorchScript.compile(NDManager.newBaseManager(), "CudaDevices", SOURCE);
                try (IValue count = IValueUtils.runMethod(module, "count")) {
                    return Math.toIntExact(count.toLong());
                }
            } catch (EngineException e) {
                LoggerFactory.getLogger(CudaDevices.class).warn("libtorch reports CUDA available but cannot count its"
                        + " devices ({}): assuming 1 GPU", e.getMessage().strip().lines().findFirst().orElse(""));
                return 1;
            }
        }
    }

    /** GPUs this JVM's libtorch can use (0 with a CPU-only libtorch, without a driver, or without devices). */
    public static int count() {
        return Count.VALUE;
    }
}
