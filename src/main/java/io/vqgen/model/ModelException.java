package io.vqgen.model;

/** A model configuration the code cannot run, or a forward call with inputs the model cannot take; the message says what was expected. */
public class ModelException extends RuntimeException {
    public ModelException(String message) {
        super(message);
    }
}
