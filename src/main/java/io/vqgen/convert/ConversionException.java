package io.vqgen.convert;

/** A research release's files cannot be converted: the message names the file, the key and what was expected. */
public final class ConversionException extends RuntimeException {
    public ConversionException(String message) {
        super(message);
    }

    public ConversionException(String message, Throwable cause) {
        super(message, cause);
    }
}
