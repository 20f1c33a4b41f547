package io.vqgen.captions;

import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/** The prompt table the generation job reads: {@code id}, {@code prompt}, then the source's extra columns. */
public final class CaptionTable {
    public static final String ID = "id";
    public static final String PROMPT = "prompt";

    private static final Pattern WHITESPACE = Pattern.compile("\\s+");

    private final List<Column> columns;
    private final List<Caption> rows;

    public CaptionTable(List<Column> columns, List<Caption> rows) {
        for (Column c : columns) {
            if (c.name().equals(ID) || c.name().equals(PROMPT)) {
                throw new IllegalArgumentException("extra column '" + c.name() + "' clashes with the table's own column");
            }
        }
        for (Caption row : rows) {
            if (row.extras().size() != columns.size()) {
                throw new IllegalArgumentException("row '" + row.id() + "' has " + row.extras().size()
                        + " extra values for " + columns.size() + " extra columns");
            }
        }
        this.columns = List.copyOf(columns);
        this.rows = Collections.unmodifiableList(new ArrayList<>(rows));
    }

    public List<Column> columns() {
        return columns;
    }

    public List<Caption> rows() {
        return rows;
    }

    public int size() {
        return rows.size();
    }

    public CaptionTable withRows(List<Caption> subset) {
        return new CaptionTable(columns, subset);
    }

    /**
     * Whitespace runs become one space and the ends are trimmed: CLIP's tokenizer does the same
     * (whitespace_clean), so the image is unchanged and the manifest shows a clean prompt.
     */
    public static String cleanPrompt(String text) {
        return WHITESPACE.matcher(text).replaceAll(" ").strip();
    }

    /** Collects rows from a reader, refusing duplicate ids with both places named. */
    public static final class Builder {
        private final String source;
        private final List<Caption> rows = new ArrayList<>();
        private final Map<String, String> firstSeen = new HashMap<>();

        /** @param source the file being read, for messages */
        public Builder(String source) {
            this.source = source;
        }

        /** @param where the row's place in the source, e.g. "line 7" */
        public Builder add(String id, String prompt, List<Object> extras, String where) {
            if (id == null || id.isEmpty()) {
                throw new CaptionsException(source + ": " + where + ": empty id (every caption needs a unique id)");
            }
            String earlier = firstSeen.putIfAbsent(id, where);
            if (earlier != null) {
                throw new CaptionsException(source + ": " + where + ": duplicate id '" + id + "' (first at " + earlier
                        + "); ids must be unique");
            }
            rows.add(new Caption(id, cleanPrompt(prompt), extras));
            return this;
        }

        public CaptionTable build(List<Column> columns, String expected) {
            if (rows.isEmpty()) {
                throw new CaptionsException(source + ": no captions found (expected " + expected + ")");
            }
            for (Column c : columns) {
                if (c.name().equals(ID) || c.name().equals(PROMPT)) {
                    throw new CaptionsException(source + ": a field named '" + c.name() + "' that is not the source's "
                            + (c.name().equals(ID) ? "id" : "caption") + " field would be a second '" + c.name()
                            + "' column of the prompt table; choose it as the " + (c.name().equals(ID) ? "id" : "caption")
                            + " column (--id-column / --text-column) or rename it");
                }
            }
            return new CaptionTable(columns, rows);
        }
    }
}
