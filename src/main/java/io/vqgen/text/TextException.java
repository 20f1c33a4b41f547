package io.vqgen.text;

/** A tokenizer folder or prompt that cannot be used; the message names the file (or input) and what was expected. */
public class TextException extends RuntimeException {
    public TextException(String message) {
        super(message);
    }

    public TextException(String message, Throwable cause) {
        super(message, cause);
    }
}
