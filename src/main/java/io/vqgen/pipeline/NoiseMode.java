package io.vqgen.pipeline;

/** Where the sampler's random numbers come from. */
public enum NoiseMode {
    /**
     * diffusers' stream: one generator seeded once for the whole call, one uniform draw per step over the
     * whole batch. Reproduces the reference token grids, but an image depends on its batch neighbours.
     */
    REFERENCE("reference"),
    /** Each image's noise depends only on its own seed and the step: batch composition never matters. */
    PER_IMAGE("per-image");

    private final String label;

    NoiseMode(String label) {
        this.label = label;
    }

    public String label() {
        return label;
    }

    public static NoiseMode parse(String s) {
        for (NoiseMode m : values()) {
            if (m.label.equals(s)) {
                return m;
            }
        }
        throw new PipelineException("unknown noise mode '" + s + "' (expected reference or per-image)");
    }
}
