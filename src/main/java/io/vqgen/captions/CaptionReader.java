package io.vqgen.captions;

import java.nio.file.Path;

/** Reads one kind of caption source into a prompt table; a file it cannot use gives a {@link CaptionsException}. */
public interface CaptionReader {
    CaptionTable read(Path file);
}
