package io.vqgen.captions;

import java.nio.file.Path;
import java.util.Collection;
import java.util.List;

/**
 * Which source columns (CSV header names, JSONL fields) become {@code id} and {@code prompt}.
 *
 * @param idColumn   the id column, or null: ids are row numbers
 * @param textColumn the caption column
 */
record ColumnChoice(String idColumn, String textColumn) {
    static final String DEFAULT_ID = "id";
    static final List<String> DEFAULT_TEXT = List.of("prompt", "caption", "text");

    /**
     * @param explicitId   --id-column, or null for the default: {@code id} if present, else row numbers
     * @param explicitText --text-column, or null for the first of {@code prompt, caption, text} present
     */
    static ColumnChoice resolve(Path file, Collection<String> available, String explicitId, String explicitText) {
        String id;
        if (explicitId != null) {
            require(file, available, explicitId, "--id-column");
            id = explicitId;
        } else {
            id = available.contains(DEFAULT_ID) ? DEFAULT_ID : null;
        }
        String text;
        if (explicitText != null) {
            require(file, available, explicitText, "--text-column");
            text = explicitText;
        } else {
            text = DEFAULT_TEXT.stream().filter(available::contains).findFirst().orElseThrow(() -> new CaptionsException(
                    file + ": no caption column: none of " + DEFAULT_TEXT + " in " + available
                            + " (choose one with --text-column)"));
        }
        if (text.equals(id)) {
            throw new CaptionsException(file + ": column '" + text + "' cannot be both the id and the caption");
        }
        for (String name : available) {
            boolean used = name.equals(id) || name.equals(text);
            if (!used && (name.equals(CaptionTable.ID) || name.equals(CaptionTable.PROMPT))) {
                throw new CaptionsException(file + ": column '" + name + "' would clash with the '" + name
                        + "' column made from " + (name.equals(CaptionTable.ID) ? describeId(id) : "'" + text + "'")
                        + "; choose it with --" + (name.equals(CaptionTable.ID) ? "id" : "text") + "-column or rename it");
            }
        }
        return new ColumnChoice(id, text);
    }

    boolean isExtra(String name) {
        return !name.equals(idColumn) && !name.equals(textColumn);
    }

    private static String describeId(String id) {
        return id == null ? "row numbers" : "'" + id + "'";
    }

    private static void require(Path file, Collection<String> available, String name, String option) {
        if (!available.contains(name)) {
            throw new CaptionsException(file + ": " + option + " '" + name + "' not found; columns are " + available);
        }
    }
}
