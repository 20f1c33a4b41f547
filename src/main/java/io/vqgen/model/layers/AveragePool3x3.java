package io.vqgen.model.layers;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.pytorch.engine.PtSymbolBlock;

/**
 * {@code F.avg_pool2d(x, kernel_size=3, stride=1, padding=1, count_include_pad=False)}: the average of the real
 * (unpadded) inputs under each window, as TensorFlow pools. DJL 0.36's avgPool always counts the padding (its
 * native call drops count_include_pad), so libtorch's own operator is reached through an {@link InlineTorchScript}
 * module compiled once per JVM.
 */
public final class AveragePool3x3 {
    private static final String SOURCE = """
              def forward(self: __torch__.AvgPool3, x: Tensor) -> Tensor:
                return torch.avg_pool2d(x, [3, 3], [1, 1], [1, 1], False, False, None)
            """;

    private AveragePool3x3() {
    }

    private static final class Module {
        // owned by a manager that lives as long as the JVM: the module is a few kilobytes of compiled code
        static final PtSymbolBlock INSTANCE = InlineTorchScript.compile(NDManager.newBaseManager(), "AvgPool3", SOURCE);
    }

    /** [B, C, H, W] → [B, C, H, W], allocated in x's manager. */
    public static NDArray excludingPadding(NDArray x) {
        return InlineTorchScript.run(Module.INSTANCE, "forward", x);
    }
}
