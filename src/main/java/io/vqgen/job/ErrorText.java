package io.vqgen.job;

/** An exception as one line for a manifest's error column or a log line. */
final class ErrorText {
    private static final int MAX = 2000;

    private ErrorText() {
    }

    static String of(Throwable t) {
        String message = t.getMessage();
        String text = t.getClass().getSimpleName() + (message == null ? "" : ": " + message);
        text = text.replaceAll("\\s*\\R\\s*", " | ");
        return text.length() <= MAX ? text : text.substring(0, MAX) + "…";
    }
}
