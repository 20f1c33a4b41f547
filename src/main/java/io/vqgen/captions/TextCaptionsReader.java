package io.vqgen.captions;

import java.io.BufferedReader;
import java.io.IOException;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * Plain text, one caption per line (UTF-8). The id is the 1-based line number, so it stays the same however
 * the file is sampled; blank lines are skipped without renumbering the rest.
 */
public final class TextCaptionsReader implements CaptionReader {
    static final String EXPECTED = "UTF-8 text with one caption per line";

    @Override
    public CaptionTable read(Path file) {
        SourceFile.checkReadable(file);
        CaptionTable.Builder rows = new CaptionTable.Builder(file.toString());
        int number = 0;
        try (BufferedReader in = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            for (String line = in.readLine(); line != null; line = in.readLine()) {
                number++;
                if (number == 1) {
                    line = SourceFile.stripBom(line);
                }
                if (!line.isBlank()) {
                    rows.add(Integer.toString(number), line, List.of(), "line " + number);
                }
            }
        } catch (CharacterCodingException e) {
            throw SourceFile.notUtf8(file);
        } catch (IOException e) {
            throw new CaptionsException(file + ": cannot read: " + e.getMessage(), e);
        }
        return rows.build(List.of(), EXPECTED);
    }
}
