package io.vqgen.model.layers;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.pytorch.engine.PtSymbolBlock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * softmax(Q·Kᵀ + mask)·V over [B, H, N, d] (the caller scales Q), in one of two ways with the same mathematics:
 * <ul>
 *   <li>{@link #fused}: libtorch's {@code scaled_dot_product_attention}, which never materialises the [B, H, N, M]
 *   scores (flash attention on the CPU, flash or memory-efficient kernels on CUDA) and accumulates float16 inputs in
 *   float32. On the CPU it is about 3.5× faster than the plain path at the bench model's 1024 tokens. DJL does not
 *   bind it: it is reached through an {@link InlineTorchScript} module compiled once per JVM and shared by all
 *   threads (running a TorchScript method keeps no state).</li>
 *   <li>{@link #plain}: DJL's matmul and softmax, scores and softmax in float32 (float64 stays float64 up to the
 *   softmax, which is float32 as diffusers' {@code upcast_softmax} computes it).</li>
 * </ul>
 * The fused kernel serves float32 and float16 on a device where it passed its probe: once per JVM, device and dtype,
 * when the first {@link Attention} of that kind is built, it must compile and agree with the plain path on a small
 * example (with and without a mask); the choice is logged once. Float64 always takes the plain path: the kernel
 * would compute its softmax in float64, not in float32 as the reference does.
 */
public final class ScaledDotProductAttention {
    private static final Logger LOG = LoggerFactory.getLogger(ScaledDotProductAttention.class);

    private static final String SOURCE = """
              def forward(self: __torch__.Sdpa, q: Tensor, k: Tensor, v: Tensor) -> Tensor:
                return torch.scaled_dot_product_attention(q, k, v, None, 0., False, scale=1.)
              def masked(self: __torch__.Sdpa, q: Tensor, k: Tensor, v: Tensor, mask: Tensor) -> Tensor:
                return torch.scaled_dot_product_attention(q, k, v, mask, 0., False, scale=1.)
            """;
    /**
     * Largest |fused − plain| a probe accepts, outputs of order 1: float32 rounding is ~1e-7 there and float16's
     * ~1e-3; a wrong kernel (mask ignored, keys and values swapped) is off by order 0.1 or more.
     */
    private static final float FLOAT32_PROBE_TOLERANCE = 1e-4f;
    private static final float FLOAT16_PROBE_TOLERANCE = 2e-2f;
    private static final Map<String, Boolean> FUSED = new ConcurrentHashMap<>();

    private ScaledDotProductAttention() {
    }

    private static final class Module {
        static final PtSymbolBlock INSTANCE = InlineTorchScript.tryCompile("Sdpa", SOURCE,
                reason -> LOG.info("libtorch's scaled_dot_product_attention is not available ({}); attention uses "
                        + "DJL's matmul and softmax", reason));
    }

    /** Whether attention over q/k/v of this dtype on this device runs the fused kernel (probed on first use). */
    public static boolean fusedFor(Device device, DataType dtype) {
        if (dtype != DataType.FLOAT32 && dtype != DataType.FLOAT16) {
            return false;
        }
        return FUSED.computeIfAbsent(device + " " + dtype, key -> probe(device, dtype));
    }

    /**
     * softmax(Q·Kᵀ + mask)·V through libtorch's kernel; only where {@link #fusedFor} is true.
     *
     * @param q    [B, H, N, d], already scaled
     * @param k    [B, H, M, d]
     * @param v    [B, H, M, dv]
     * @param mask additive mask broadcastable to [B, H, N, M] in q's dtype, or null
     * @return [B, H, N, dv] in q's dtype and manager
     */
    static NDArray fused(NDArray q, NDArray k, NDArray v, NDArray mask) {
        return fused(Module.INSTANCE, q, k, v, mask);
    }

    private static NDArray fused(PtSymbolBlock module, NDArray q, NDArray k, NDArray v, NDArray mask) {
        return mask == null
                ? InlineTorchScript.run(module, "forward", q, k, v)
                : InlineTorchScript.run(module, "masked", q, k, v, mask);
    }

    /**
     * {@link #fused}'s result with DJL's ops on any dtype and device: scores, mask and the product with V in float32 (half
     * precision is widened, float64 kept), the softmax in float32, the result in q's dtype. Holds the [B, H, N, M]
     * scores in memory.
     */
    static NDArray plain(NDArray q, NDArray k, NDArray v, NDArray mask) {
        DataType type = q.getDataType();
        DataType work = Precision.atLeastFloat32(type);
        int last = k.getShape().dimension() - 1;
        NDArray scores = q.toType(work, false).matMul(k.toType(work, false).swapAxes(last - 1, last));
        if (mask != null) {
            scores = scores.add(mask.toType(work, false));
        }
        NDArray probs = scores.toType(DataType.FLOAT32, false).softmax(-1).toType(work, false);
        return probs.matMul(v.toType(work, false)).toType(type, false);
    }

    private static boolean probe(Device device, DataType dtype) {
        String what = "attention on " + device + " in " + dtype;
        if (Module.INSTANCE == null) {
            return false;
        }
        try (NDManager m = NDManager.newBaseManager(device)) {
            NDArray q = InlineTorchScript.probeValues(m, 1, 2, 5, 8).toType(dtype, false);
            NDArray k = InlineTorchScript.probeValues(m, 1, 2, 7, 8).mul(-1.5f).toType(dtype, false);
            NDArray v = InlineTorchScript.probeValues(m, 1, 2, 7, 3).mul(2f).add(0.5f).toType(dtype, false);
            // [5, 7]: each query sees the keys from its own index on
            NDArray mask = m.arange(0f, 7f, 1f).lt(m.arange(0f, 5f, 1f).reshape(5, 1)).toType(dtype, false).mul(-1e4f);
            float tolerance = dtype == DataType.FLOAT16 ? FLOAT16_PROBE_TOLERANCE : FLOAT32_PROBE_TOLERANCE;
            float unmasked = InlineTorchScript.maxAbsDiff(fused(Module.INSTANCE, q, k, v, null).toType(DataType.FLOAT32, false),
                    plain(q, k, v, null).toType(DataType.FLOAT32, false));
            float masked = InlineTorchScript.maxAbsDiff(fused(Module.INSTANCE, q, k, v, mask).toType(DataType.FLOAT32, false),
                    plain(q, k, v, mask).toType(DataType.FLOAT32, false));
            if (!(unmasked <= tolerance && masked <= tolerance)) {
                LOG.warn("{}: libtorch's fused scaled_dot_product_attention disagrees with DJL's matmul and softmax on a "
                        + "probe (max |difference| {} unmasked, {} masked); using DJL's", what, unmasked, masked);
                return false;
            }
        } catch (RuntimeException | LinkageError e) {
            LOG.info("{}: libtorch's fused scaled_dot_product_attention fails ({}); using DJL's matmul and softmax",
                    what, InlineTorchScript.reason(e));
            return false;
        }
        LOG.info("{}: libtorch's fused scaled_dot_product_attention (probed at load)", what);
        return true;
    }
}
