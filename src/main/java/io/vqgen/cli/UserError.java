package io.vqgen.cli;

/** A problem with what the user asked for (arguments, input files): reported as one line, exit code 2. */
public class UserError extends RuntimeException {
    public UserError(String message) {
        super(message);
    }

    public UserError(String message, Throwable cause) {
        super(message, cause);
    }
}
