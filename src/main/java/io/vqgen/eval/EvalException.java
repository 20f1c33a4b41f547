package io.vqgen.eval;

/** A problem with what the user gave the evaluation tools (folders, settings): the message says what and why. */
public final class EvalException extends RuntimeException {
    public EvalException(String message) {
        super(message);
    }
}
