package io.vqgen.captions;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class TextCaptionsReaderTest {
    @TempDir
    Path dir;

    @Test
    void idsAreLineNumbersAndBlankLinesKeepTheirNumber() throws IOException {
        Path file = Files.writeString(dir.resolve("c.txt"), "\uFEFFa photo of a cat\r\n\n  \t\na  photo of a dog \n");
        CaptionTable t = new TextCaptionsReader().read(file);
        assertEquals(List.of(), t.columns());
        assertEquals(List.of(Caption.of("1", "a photo of a cat"), Caption.of("4", "a photo of a dog")), t.rows());
    }

    @Test
    void refusesEmptyAndBinaryFiles() throws IOException {
        Path empty = Files.writeString(dir.resolve("empty.txt"), "\n \n");
        assertEquals(empty + ": no captions found (expected UTF-8 text with one caption per line)",
                assertThrows(CaptionsException.class, () -> new TextCaptionsReader().read(empty)).getMessage());
        Path binary = Files.write(dir.resolve("b.txt"), new byte[] {'o', 'k', '\n', (byte) 0xFF, (byte) 0xFE, '\n'});
        assertEquals(binary + ": not UTF-8 text (bad byte at line 2, byte offset 3)",
                assertThrows(CaptionsException.class, () -> new TextCaptionsReader().read(binary)).getMessage());
    }
}
