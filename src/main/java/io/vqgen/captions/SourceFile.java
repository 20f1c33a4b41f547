package io.vqgen.captions;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CoderResult;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/** Checks shared by every reader before it opens a caption file. */
final class SourceFile {
    private SourceFile() {
    }

    static void checkReadable(Path file) {
        if (!Files.exists(file)) {
            throw new CaptionsException(file + ": not found");
        }
        if (Files.isDirectory(file)) {
            throw new CaptionsException(file + ": is a folder, expected a caption file");
        }
        if (!Files.isReadable(file)) {
            throw new CaptionsException(file + ": not readable");
        }
    }

    /** A UTF-8 byte-order mark at the start of a text file is not part of the first caption. */
    static String stripBom(String firstLine) {
        return firstLine.startsWith("\uFEFF") ? firstLine.substring(1) : firstLine;
    }

    /** Names the line and byte offset of the first byte that is not UTF-8 (decoders only say that one exists). */
    static CaptionsException notUtf8(Path file) {
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(file);
        } catch (IOException e) {
            return new CaptionsException(file + ": cannot read: " + e.getMessage(), e);
        }
        ByteBuffer in = ByteBuffer.wrap(bytes);
        CoderResult r = StandardCharsets.UTF_8.newDecoder().decode(in, CharBuffer.allocate(bytes.length), true);
        int offset = r.isError() ? in.position() : bytes.length;
        int line = 1;
        for (int i = 0; i < offset; i++) {
            if (bytes[i] == '\n') {
                line++;
            }
        }
        return new CaptionsException(file + ": not UTF-8 text (bad byte at line " + line + ", byte offset " + offset + ")");
    }
}
