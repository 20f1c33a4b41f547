package io.vqgen.weights;

import java.util.Map;

/** A weight file opened for reading: name → tensor, in file order. Closing releases the mapping. */
public interface TensorFile extends AutoCloseable {
    Map<String, RawTensor> tensors();

    /** Free-form metadata stored in the file (safetensors "__metadata__"); empty when the format has none. */
    Map<String, String> metadata();

    @Override
    void close();
}
