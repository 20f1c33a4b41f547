package io.vqgen.job;

/** Remaining times as progress lines show them: {@code 42s}, {@code 3m04s}, {@code 2h07m}. */
public final class Durations {
    private Durations() {
    }

    public static String format(double seconds) {
        long s = Math.round(seconds);
        if (s >= 3600) {
            return String.format("%dh%02dm", s / 3600, s % 3600 / 60);
        }
        return s >= 60 ? String.format("%dm%02ds", s / 60, s % 60) : s + "s";
    }
}
