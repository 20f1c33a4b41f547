package io.vqgen.eval.image;

/** An image that cannot be used (does not decode, unsupported colours): the message names it and says why. */
public final class ImageException extends RuntimeException {
    public ImageException(String message) {
        super(message);
    }

    public ImageException(String message, Throwable cause) {
        super(message, cause);
    }
}
