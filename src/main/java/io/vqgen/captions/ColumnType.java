package io.vqgen.captions;

/** The Parquet types a prompt-table column can have. */
public enum ColumnType {
    STRING, LONG, INT, DOUBLE, BOOLEAN
}
