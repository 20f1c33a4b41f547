package io.vqgen.model.layers;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.pytorch.engine.PtNDArray;
import ai.djl.pytorch.engine.PtNDManager;
import ai.djl.pytorch.engine.PtSymbolBlock;
import ai.djl.pytorch.jni.IValue;
import ai.djl.pytorch.jni.IValueUtils;
import ai.djl.pytorch.jni.JniUtils;
import io.vqgen.weights.StoredZipEntry;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.function.Consumer;
import java.util.zip.ZipOutputStream;

/**
 * A parameterless TorchScript module compiled by libtorch from source text held here, so that code can
 * reach libtorch functions DJL does not bind (DJL runs TorchScript modules, and libtorch compiles their
 * source when it loads them). The module is written as the archive {@code torch.jit.save} produces:
 * a zip of {@code code/__torch__.py}, a pickled instance ({@code data.pkl}) and the format version;
 * nothing is read from disk and no Python is involved.
 *
 * <p>This reaches into DJL's PyTorch engine below its public API (module loading from a stream, IValue method
 * calls), so every op built on it is probed once, when the first layer that could use it is loaded, and has a plain
 * DJL fallback with the same mathematics ({@link OneDnnLinear}, {@link ScaledDotProductAttention}).
 */
final class InlineTorchScript {
    /** The archive format version torch.jit.save writes for modules that need no operator upgraders. */
    private static final String FORMAT_VERSION = "3";

    private InlineTorchScript() {
    }

    /**
     * Compiles {@code class <className>(Module)} with the given methods (TorchScript source, each method
     * indented two spaces and typed, {@code self: __torch__.<className>} first) and loads it on the CPU,
     * owned by {@code manager}. Tensors passed to its methods may live on any device.
     */
    static PtSymbolBlock compile(NDManager manager, String className, String methods) {
        String source = "class " + className + "(Module):\n"
                + "  __parameters__ = []\n"
                + "  __buffers__ = []\n"
                + "  training : bool\n"
                + methods;
        byte[] archive = archive(source, instance(className));
        try {
            long handle = JniUtils.loadModuleHandle(new ByteArrayInputStream(archive), Device.cpu(), false, false);
            return new PtSymbolBlock((PtNDManager) manager, handle);
        } catch (IOException e) {
            throw new UncheckedIOException("could not load the TorchScript module " + className, e);
        }
    }

    /**
     * {@link #compile}, or null when this engine cannot: a libtorch without the operator the source calls fails to
     * compile it, and a DJL whose internals changed fails to load it. {@code onFailure} receives the reason.
     */
    static PtSymbolBlock tryCompile(String className, String methods, Consumer<String> onFailure) {
        // owned by a manager that lives as long as the JVM: a module is a few kilobytes of compiled code
        NDManager owner = NDManager.newBaseManager();
        try {
            return compile(owner, className, methods);
        } catch (RuntimeException | LinkageError e) {
            owner.close();
            onFailure.accept(reason(e));
            return null;
        }
    }

    /**
     * Deterministic values of order 1 to probe an op with, float32, on {@code manager}'s device. No random generator
     * is touched: reference noise mode reproduces a stream of libtorch's global one.
     */
    static NDArray probeValues(NDManager manager, long... shape) {
        long n = new Shape(shape).size();
        return manager.arange(0f, n, 1f).mul(0.7f).add(0.3f).sin().reshape(shape);
    }

    /** max |a − b|, how a probe compares an op with its plain fallback (NaN when either holds one). */
    static float maxAbsDiff(NDArray a, NDArray b) {
        return a.sub(b).abs().max().getFloat();
    }

    /** The first line of an engine error, for a log line. */
    static String reason(Throwable e) {
        String message = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
        return message.strip().lines().findFirst().orElse(e.getClass().getSimpleName());
    }

    /**
     * Runs {@code method} of a module from {@link #compile} on tensors; the result is allocated in the first
     * input's manager. libtorch runs the method in inference mode, so the result (and any view of it) is an
     * inference tensor, which refuses in-place updates: callers use out-of-place ops on it.
     */
    static NDArray run(PtSymbolBlock module, String method, NDArray... tensors) {
        IValue[] inputs = new IValue[tensors.length];
        try {
            for (int i = 0; i < tensors.length; i++) {
                inputs[i] = IValue.from((PtNDArray) tensors[i]);
            }
            try (IValue out = IValueUtils.runMethod(module, method, inputs)) {
                return out.toTensor((PtNDManager) tensors[0].getManager());
            }
        } finally {
            for (IValue input : inputs) {
                if (input != null) {
                    input.close();
                }
            }
        }
    }

    /** Pickle (protocol 2) of an instance of {@code __torch__.<className>} with {@code training = False}. */
    static byte[] instance(String className) {
        ByteArrayOutputStream p = new ByteArrayOutputStream();
        p.write(0x80); // PROTO 2
        p.write(2);
        p.writeBytes(("c__torch__\n" + className + "\n").getBytes(StandardCharsets.US_ASCII)); // GLOBAL
        p.write(')');  // EMPTY_TUPLE
        p.write(0x81); // NEWOBJ
        p.write('}');  // EMPTY_DICT (the attributes)
        byte[] name = "training".getBytes(StandardCharsets.US_ASCII);
        p.write('X');  // BINUNICODE, 4-byte little-endian length
        p.write(name.length);
        p.write(0);
        p.write(0);
        p.write(0);
        p.writeBytes(name);
        p.write(0x89); // NEWFALSE
        p.write('s');  // SETITEM
        p.write('b');  // BUILD
        p.write('.');  // STOP
        return p.toByteArray();
    }

    private static byte[] archive(String source, byte[] data) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (ZipOutputStream zip = new ZipOutputStream(bytes)) {
            StoredZipEntry.write(zip, "archive/data.pkl", data);
            StoredZipEntry.write(zip, "archive/code/__torch__.py", source.getBytes(StandardCharsets.UTF_8));
            StoredZipEntry.write(zip, "archive/constants.pkl", new byte[] {(byte) 0x80, 2, ')', '.'}); // an empty tuple
            StoredZipEntry.write(zip, "archive/version", (FORMAT_VERSION + "\n").getBytes(StandardCharsets.US_ASCII));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return bytes.toByteArray();
    }

}
