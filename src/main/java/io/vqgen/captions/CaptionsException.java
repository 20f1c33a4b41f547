package io.vqgen.captions;

/** A caption source or prompt-table destination that cannot be used; the message names the file, the place and what was expected. */
public class CaptionsException extends RuntimeException {
    public CaptionsException(String message) {
        super(message);
    }

    public CaptionsException(String message, Throwable cause) {
        super(message, cause);
    }
}
