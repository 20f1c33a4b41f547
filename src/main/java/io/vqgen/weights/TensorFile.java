package io.vqgen.weights;

import java.nio.file.Path;
import java.util.Map;

/** A weight file opened for reading: name → tensor, in file order. Closing releases the mapping. */
public interface TensorFile extends AutoCloseable {
    Map<String, RawTensor> tensors();

    /** Free-form metadata stored in the file (safetensors "__metadata__"); empty when the format has none. */
    Map<String, String> metadata();

    @Override
    void close();

    /** Opens a {@code .safetensors} or PyTorch ({@code .bin}, {@code .pth}, {@code .pt}) file, chosen by its extension. */
    static TensorFile open(Path path) {
        String name = path.getFileName().toString();
        if (name.endsWith(".safetensors")) {
            return SafetensorsFile.open(path);
        }
        if (name.endsWith(".bin") || name.endsWith(".pth") || name.endsWith(".pt")) {
            return TorchBinFile.open(path);
        }
        throw new WeightsException(path + ": unknown weight file type (expected .safetensors, or torch.save's .bin, "
                + ".pth or .pt)");
    }
}
