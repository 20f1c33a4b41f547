package io.vqgen.captions;

import io.vqgen.pipeline.GenerationSetting;

/**
 * Per-row override columns the generation job reads ({@link GenerationSetting#columns()}), with the types it
 * expects. A source column with one of these names is converted to that type, so the job does not reject the
 * table for a wrongly-typed column.
 */
final class OverrideColumns {
    private OverrideColumns() {
    }

    /** The job's type for this column, or null if the job does not read it. */
    static ColumnType typeOf(String column) {
        GenerationSetting setting = GenerationSetting.byKey(column);
        if (setting == null || !setting.isColumn()) {
            return null;
        }
        return switch (setting.type()) {
            case INT -> ColumnType.INT;
            case LONG -> ColumnType.LONG;
            case DOUBLE -> ColumnType.DOUBLE;
            case CHOICE -> throw new IllegalStateException(setting + " is not a column");
        };
    }

    /** Text (a CSV cell) as a value of the column's type; a blank cell is null. */
    static Object parse(String column, ColumnType type, String text, String where) {
        if (text == null || text.isBlank()) {
            return null;
        }
        String t = text.strip();
        try {
            return switch (type) {
                case LONG -> Long.parseLong(t);
                case INT -> Integer.parseInt(t);
                case DOUBLE -> Double.parseDouble(t);
                case STRING, BOOLEAN -> throw new IllegalStateException("no override column has type " + type);
            };
        } catch (IllegalArgumentException e) {
            throw new CaptionsException(where + ": column '" + column + "' holds '" + t + "', expected "
                    + describe(type));
        }
    }

    static String describe(ColumnType type) {
        return switch (type) {
            case LONG -> "a whole number (64-bit)";
            case INT -> "a whole number (32-bit)";
            case DOUBLE -> "a number";
            case BOOLEAN -> "true or false";
            case STRING -> "text";
        };
    }
}
