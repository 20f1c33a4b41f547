package io.vqgen.model.layers;

import ai.djl.engine.Engine;
import ai.djl.pytorch.jni.LibUtils;
import com.sun.jna.Function;
import com.sun.jna.NativeLibrary;
import com.sun.jna.Pointer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.file.Path;

/**
 * Keeps libtorch from asking for NNPACK on CPUs where NNPACK cannot start.
 *
 * <p>libtorch 2.7 chooses a convolution kernel per call; for small CPU convolutions that oneDNN does not take it asks
 * whether NNPACK is available, and when NNPACK's initialisation fails (it does on many virtual machines: "Unsupported
 * hardware") it logs {@code Could not initialize NNPACK! Reason: Unsupported hardware.} on every such call, hundreds
 * of lines per run. The kernel it then runs is the same whether or not it asks. Python's
 * {@code torch.backends.nnpack.set_flags(False)} turns the question off ({@code at::globalContext()
 * .setUserEnabledNNPACK(false)}); DJL does not bind it, so this calls the same two exported libtorch functions
 * through JNA (which DJL already uses). It does so only after asking NNPACK itself ({@code nnp_initialize}, silent)
 * whether it can run: where it can, nothing changes. Nothing else is touched, so every other libtorch warning still
 * reaches stderr.
 */
public final class Nnpack {
    private static final Logger LOG = LoggerFactory.getLogger(Nnpack.class);
    private static final int NNP_STATUS_SUCCESS = 0;
    private static volatile String outcome;

    private Nnpack() {
    }

    /**
     * Turns libtorch's NNPACK use off when NNPACK cannot initialise on this CPU (once per JVM; later calls return at
     * once).
     *
     * @return what was done, for logs and tests
     */
    public static synchronized String quietWhereUnsupported() {
        if (outcome == null) {
            outcome = apply();
            if (outcome.endsWith("turned off")) {
                LOG.info("NNPACK cannot run on this CPU: libtorch's NNPACK path is turned off (convolutions run the"
                        + " kernels they ran before, without a warning per call)");
            } else {
                LOG.debug("NNPACK: {}", outcome);
            }
        }
        return outcome;
    }

    private static String apply() {
        NativeLibrary torch;
        try {
            Engine.getEngine("PyTorch");
            torch = NativeLibrary.getInstance(Path.of(LibUtils.getLibtorchPath())
                    .resolve(System.mapLibraryName("torch_cpu")).toString());
        } catch (RuntimeException | UnsatisfiedLinkError e) {
            return "left as it is (libtorch_cpu not found: " + e.getMessage() + ")";
        }
        try {
            int status = torch.getFunction("nnp_initialize").invokeInt(new Object[0]);
            if (status == NNP_STATUS_SUCCESS) {
                return "available, left on";
            }
            Pointer context = torch.getFunction("_ZN2at13globalContextEv").invokePointer(new Object[0]);
            Function set = torch.getFunction("_ZN2at7Context20setUserEnabledNNPACKEb");
            set.invokeVoid(new Object[] {context, Boolean.FALSE});
            Object enabled = torch.getFunction("_ZNK2at7Context17userEnabledNNPACKEv").invoke(Byte.class,
                    new Object[] {context});
            return "unavailable (nnp_initialize status " + status + "), "
                    + (Byte.valueOf((byte) 0).equals(enabled) ? "turned off" : "could not be turned off");
        } catch (UnsatisfiedLinkError e) {
            // a libtorch built without NNPACK or with other symbol names: it never asks for NNPACK, or we cannot help
            return "left as it is (" + e.getMessage() + ")";
        }
    }
}
