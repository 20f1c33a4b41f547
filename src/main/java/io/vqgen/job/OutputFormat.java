package io.vqgen.job;

/** How a job stores its images ({@code output_format}). */
public enum OutputFormat {
    /** One PNG object per image under {@code images/}. */
    PNG,
    /** Tar shards under {@code shards/} with {@code <key>.png}, {@code <key>.json}, {@code <key>.tokens.npy}. */
    WEBDATASET;

    static OutputFormat parse(String label) {
        return valueOf(label.toUpperCase(java.util.Locale.ROOT));
    }
}
