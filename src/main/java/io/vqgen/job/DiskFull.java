package io.vqgen.job;

/** Recognises a full disk (ENOSPC, or a quota) in a failure, wherever it sits in the cause chain. */
final class DiskFull {
    private DiskFull() {
    }

    private static final String[] REASONS = {"No space left on device", "Disk quota exceeded"};

    static boolean in(Throwable t) {
        return reason(t) != null;
    }

    /** The system's words for it ("No space left on device", "Disk quota exceeded"), or null if it is not that. */
    static String reason(Throwable t) {
        Throwable c = t;
        for (int depth = 0; c != null && depth < 32; depth++, c = c.getCause()) {
            String m = c.getMessage();
            for (String reason : REASONS) {
                if (m != null && m.contains(reason)) {
                    return reason;
                }
            }
        }
        return null;
    }
}
