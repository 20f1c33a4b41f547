package io.vqgen.model.layers;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.pytorch.engine.PtSymbolBlock;

/**
 * {@code F.interpolate(x, size=(h, w), mode="bilinear", align_corners=False)} without antialiasing, torch's
 * default and what pytorch-fid resizes with. DJL 0.36's interpolation antialiases (a different result whenever it
 * shrinks), so libtorch's own operator is reached through an {@link InlineTorchScript} module compiled once per JVM.
 */
public final class BilinearResize {
    private static final String SOURCE = """
              def forward(self: __torch__.Bilinear, x: Tensor, size: Tensor) -> Tensor:
                h = int(size[0])
                w = int(size[1])
                return torch.upsample_bilinear2d(x, [h, w], False, None, None)
            """;

    private BilinearResize() {
    }

    private static final class Module {
        // owned by a manager that lives as long as the JVM: the module is a few kilobytes of compiled code
        static final PtSymbolBlock INSTANCE = InlineTorchScript.compile(NDManager.newBaseManager(), "Bilinear", SOURCE);
    }

    /** [B, C, H, W] float → [B, C, height, width], allocated in x's manager. */
    public static NDArray resize(NDArray x, int height, int width) {
        try (NDArray size = x.getManager().create(new long[] {height, width})) {
            return InlineTorchScript.run(Module.INSTANCE, "forward", x, size);
        }
    }
}
