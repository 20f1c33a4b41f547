package io.vqgen.weights;

import java.io.IOException;
import java.io.InputStream;
import java.util.List;

/**
 * The files of a model folder wherever it lives (a local folder, or a folder in a Hadoop file system): what the
 * fingerprint, the driver's checks and the local cache need, and no more.
 */
public interface ModelFiles {
    /** One regular file: its path relative to the folder ('/'-separated) and its size in bytes. */
    record Entry(String path, long size) {
    }

    /** Where the folder is, as users wrote it (for messages). */
    String location();

    /** Every regular file under the folder, sorted by relative path. */
    List<Entry> list() throws IOException;

    /** A stream over one file from {@code offset}. */
    InputStream open(String path, long offset) throws IOException;

    /** {@code length} bytes of one file from {@code offset} (fewer only at the end of the file). */
    default byte[] read(String path, long offset, int length) throws IOException {
        try (InputStream in = open(path, offset)) {
            return in.readNBytes(length);
        }
    }
}
