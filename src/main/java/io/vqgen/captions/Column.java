package io.vqgen.captions;

/** A column of the prompt table beside {@code id} and {@code prompt}. */
public record Column(String name, ColumnType type) {
    public Column {
        if (name == null || name.isEmpty()) {
            throw new IllegalArgumentException("column name is required");
        }
        if (type == null) {
            throw new IllegalArgumentException("column type is required for '" + name + "'");
        }
    }
}
