package io.vqgen.job;

/**
 * A bad job file, input table, model folder or output location: the job cannot start (or cannot go on).
 * Its message names what was wrong and what was expected; the CLI prints it as one line and exits with 2.
 */
public class JobException extends RuntimeException {
    public JobException(String message) {
        super(message);
    }

    public JobException(String message, Throwable cause) {
        super(message, cause);
    }
}
