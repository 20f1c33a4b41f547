package io.vqgen.weights;

/** A model folder or weight file that cannot be used; the message names the file, the tensor and what was expected. */
public class WeightsException extends RuntimeException {
    public WeightsException(String message) {
        super(message);
    }

    public WeightsException(String message, Throwable cause) {
        super(message, cause);
    }
}
