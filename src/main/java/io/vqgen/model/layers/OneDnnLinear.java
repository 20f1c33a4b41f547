package io.vqgen.model.layers;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.pytorch.engine.PtSymbolBlock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A float32 linear layer on the CPU through oneDNN ({@code mkldnn._linear_pointwise}, the kernel libtorch's own
 * compiler uses for CPU linears), reached through an {@link InlineTorchScript} module. On the bench model's shapes
 * (2048 × 512 by 512 × 2048 and the like) it runs 15–20% faster than the MKL matmul plus bias add DJL's
 * {@code linear} does, and gives the same bits there (both accumulate each output over the inner dimension in
 * order, in float32); on small or odd shapes the two can differ in the last bit.
 *
 * <p>Probed once per JVM, when the first float32 CPU {@link Linear} is built: the module must compile (a libtorch
 * built without oneDNN cannot) and agree with {@link Linear#plain} on a small example. The choice is logged once;
 * without it every linear layer runs {@link Linear#plain}.
 */
final class OneDnnLinear {
    private static final Logger LOG = LoggerFactory.getLogger(OneDnnLinear.class);

    private static final String SOURCE = """
              def forward(self: __torch__.OneDnnLinear, x: Tensor, w: Tensor, b: Tensor) -> Tensor:
                return ops.mkldnn._linear_pointwise(x, w, b, "none", [], "")
              def unbiased(self: __torch__.OneDnnLinear, x: Tensor, w: Tensor) -> Tensor:
                return ops.mkldnn._linear_pointwise(x, w, None, "none", [], "")
            """;
    /**
     * Largest |oneDNN − plain| the probe accepts on its example (outputs of order 1 summed over 16 products):
     * float32 rounding is ~1e-6 there; a wrong kernel (dropped bias, transposed weight) is off by order 1.
     */
    private static final float PROBE_TOLERANCE = 1e-4f;

    private OneDnnLinear() {
    }

    private static final class Probe {
        static final PtSymbolBlock MODULE = probe();
    }

    /** Whether float32 CPU linears run through oneDNN in this JVM (probes on first use). */
    static boolean available() {
        return Probe.MODULE != null;
    }

    /** Whether {@link #apply} takes these operands: float32 on the CPU, and the operator available. */
    static boolean takes(NDArray x, NDArray weight) {
        return x.getDataType() == DataType.FLOAT32 && weight.getDataType() == DataType.FLOAT32
                && x.getDevice().getDeviceType().equals(Device.Type.CPU) && available();
    }

    /** x·Wᵀ + b over the last dimension of x; the result in x's manager. */
    static NDArray apply(NDArray x, NDArray weight, NDArray bias) {
        return apply(Probe.MODULE, x, weight, bias);
    }

    private static NDArray apply(PtSymbolBlock module, NDArray x, NDArray weight, NDArray bias) {
        return bias == null
                ? InlineTorchScript.run(module, "unbiased", x, weight)
                : InlineTorchScript.run(module, "forward", x, weight, bias);
    }

    private static PtSymbolBlock probe() {
        String fallback = "linear layers use DJL's linear (MKL matmul and bias add)";
        PtSymbolBlock module = InlineTorchScript.tryCompile("OneDnnLinear", SOURCE,
                reason -> LOG.info("oneDNN's linear is not available in this libtorch ({}); {}", reason, fallback));
        if (module == null) {
            return null;
        }
        try (NDManager m = NDManager.newBaseManager(Device.cpu())) {
            NDArray x = InlineTorchScript.probeValues(m, 2, 3, 16);
            NDArray w = InlineTorchScript.probeValues(m, 5, 16).mul(0.25f);
            NDArray b = InlineTorchScript.probeValues(m, 5);
            float withBias = InlineTorchScript.maxAbsDiff(apply(module, x, w, b), Linear.plain(x, w, b));
            float noBias = InlineTorchScript.maxAbsDiff(apply(module, x, w, null), Linear.plain(x, w, null));
            if (!(withBias <= PROBE_TOLERANCE && noBias <= PROBE_TOLERANCE)) {
                LOG.warn("oneDNN's linear disagrees with DJL's on a probe (max |difference| {} with bias, {} without); {}",
                        withBias, noBias, fallback);
                module.close();
                return null;
            }
        } catch (RuntimeException | LinkageError e) {
            LOG.info("oneDNN's linear fails on this engine ({}); {}", InlineTorchScript.reason(e), fallback);
            module.close();
            return null;
        }
        LOG.info("float32 linear layers on the CPU run through oneDNN's linear (probed at load); other dtypes and "
                + "devices through DJL's linear");
        return module;
    }
}
