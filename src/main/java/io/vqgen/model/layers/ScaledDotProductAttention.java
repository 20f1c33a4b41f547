package io.vqgen.model.layers;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.pytorch.engine.PtSymbolBlock;

/**
 * libtorch's fused {@code scaled_dot_product_attention}: softmax(Q·Kᵀ + mask)·V without materialising the
 * [B, H, N, M] scores in memory (flash attention on the CPU, flash or memory-efficient kernels on CUDA). On
 * the CPU it is about 3.5× faster than batched matmuls plus softmax at the bench model's 1024 tokens; float16
 * and bfloat16 inputs are accumulated in float32 inside the kernel. The caller scales Q; the kernel's own scale
 * is 1. Reached through an {@link InlineTorchScript} module compiled once per JVM and shared by all threads
 * (running a TorchScript method keeps no state).
 */
public final class ScaledDotProductAttention {
    private static final String SOURCE = """
              def forward(self: __torch__.Sdpa, q: Tensor, k: Tensor, v: Tensor) -> Tensor:
                return torch.scaled_dot_product_attention(q, k, v, None, 0., False, scale=1.)
              def masked(self: __torch__.Sdpa, q: Tensor, k: Tensor, v: Tensor, mask: Tensor) -> Tensor:
                return torch.scaled_dot_product_attention(q, k, v, mask, 0., False, scale=1.)
            """;

    private ScaledDotProductAttention() {
    }

    private static final class Module {
        // owned by a manager that lives as long as the JVM: the module is a few kilobytes of compiled code
        static final PtSymbolBlock INSTANCE = InlineTorchScript.compile(NDManager.newBaseManager(), "Sdpa", SOURCE);
    }

    /**
     * @param q    [B, H, N, d], already scaled
     * @param k    [B, H, M, d]
     * @param v    [B, H, M, dv]
     * @param mask additive mask broadcastable to [B, H, N, M] in q's dtype, or null
     * @return [B, H, N, dv] in q's manager
     */
    public static NDArray attend(NDArray q, NDArray k, NDArray v, NDArray mask) {
        return mask == null
                ? InlineTorchScript.run(Module.INSTANCE, "forward", q, k, v)
                : InlineTorchScript.run(Module.INSTANCE, "masked", q, k, v, mask);
    }
}
