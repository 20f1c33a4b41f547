package io.vqgen.captions;

import com.univocity.parsers.common.TextParsingException;
import com.univocity.parsers.csv.CsvParser;
import com.univocity.parsers.csv.CsvParserSettings;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * CSV with a header row (RFC 4180 quoting; quoted fields may span lines). The caption and id columns are chosen
 * by {@link ColumnChoice}; without an id column the id is the 1-based record number. Other columns are kept as
 * text, except the job's override columns ({@code seed}, {@code num_images}, ...), which get the job's types.
 */
public final class CsvCaptionsReader implements CaptionReader {
    static final String EXPECTED = "CSV with a header row and a caption column";

    private final String idColumn;
    private final String textColumn;

    /** Null arguments take {@link ColumnChoice}'s defaults. */
    public CsvCaptionsReader(String idColumn, String textColumn) {
        this.idColumn = idColumn;
        this.textColumn = textColumn;
    }

    @Override
    public CaptionTable read(Path file) {
        SourceFile.checkReadable(file);
        CsvParser parser = new CsvParser(settings());
        try {
            parser.beginParsing(file.toFile(), StandardCharsets.UTF_8);
            String[] header = parser.getContext().parsedHeaders();
            if (header == null || header.length == 0) {
                throw new CaptionsException(file + ": empty file, expected " + EXPECTED);
            }
            List<String> names = headerNames(file, header);
            ColumnChoice choice = ColumnChoice.resolve(file, names, idColumn, textColumn);
            List<Column> columns = new ArrayList<>();
            List<Integer> extraIndex = new ArrayList<>();
            for (int i = 0; i < names.size(); i++) {
                if (choice.isExtra(names.get(i))) {
                    ColumnType override = OverrideColumns.typeOf(names.get(i));
                    columns.add(new Column(names.get(i), override == null ? ColumnType.STRING : override));
                    extraIndex.add(i);
                }
            }
            int idAt = choice.idColumn() == null ? -1 : names.indexOf(choice.idColumn());
            int textAt = names.indexOf(choice.textColumn());

            CaptionTable.Builder rows = new CaptionTable.Builder(file.toString());
            String[] record;
            while ((record = parser.parseNext()) != null) {
                long recordNr = parser.getContext().currentRecord();
                String where = "record " + recordNr + " (ending at line " + parser.getContext().currentLine() + ")";
                if (record.length != names.size()) {
                    throw new CaptionsException(file + ": " + where + ": " + record.length + " fields, the header has "
                            + names.size());
                }
                List<Object> extras = new ArrayList<>(columns.size());
                for (int c = 0; c < columns.size(); c++) {
                    Column col = columns.get(c);
                    String cell = record[extraIndex.get(c)];
                    extras.add(col.type() == ColumnType.STRING ? cell
                            : OverrideColumns.parse(col.name(), col.type(), cell, file + ": " + where));
                }
                String id = idAt < 0 ? Long.toString(recordNr) : record[idAt];
                rows.add(id == null ? null : id.strip(), record[textAt] == null ? "" : record[textAt], extras, where);
            }
            return rows.build(columns, EXPECTED + " and at least one record");
        } catch (TextParsingException e) {
            throw new CaptionsException(file + ": malformed CSV at line " + (e.getLineIndex() + 1) + ": "
                    + firstLine(e.getMessage()), e);
        } finally {
            parser.stopParsing();
        }
    }

    private static List<String> headerNames(Path file, String[] header) {
        Set<String> names = new LinkedHashSet<>();
        for (int i = 0; i < header.length; i++) {
            String name = header[i] == null ? "" : header[i].strip();
            if (name.isEmpty()) {
                throw new CaptionsException(file + ": header column " + (i + 1) + " has no name; header is "
                        + Arrays.toString(header));
            }
            if (!names.add(name)) {
                throw new CaptionsException(file + ": header names column '" + name + "' twice");
            }
        }
        return List.copyOf(names);
    }

    private static CsvParserSettings settings() {
        CsvParserSettings s = new CsvParserSettings();
        s.setHeaderExtractionEnabled(true);
        s.setLineSeparatorDetectionEnabled(true);
        s.setSkipEmptyLines(true);
        s.setMaxCharsPerColumn(1 << 20);
        s.setEmptyValue("");
        s.setNullValue(null);
        return s;
    }

    private static String firstLine(String message) {
        return message == null ? "" : message.lines().findFirst().orElse("");
    }
}
