package io.vqgen.pipeline;

/** A model folder whose parts do not fit together, or a request the loaded model cannot serve. */
public class PipelineException extends RuntimeException {
    public PipelineException(String message) {
        super(message);
    }
}
