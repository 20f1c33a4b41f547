package io.vqgen.text;

/**
 * Strict UTF-8 decoding extended with ftfy's "utf-8-variants": CESU-8 surrogate pairs (six bytes for one
 * supplementary character) and Java's two-byte null (C0 80). Returns null where Python would raise
 * UnicodeDecodeError, so that the caller can try the next encoding.
 */
final class Utf8Variants {
    private Utf8Variants() {
    }

    static String decode(byte[] bytes) {
        StringBuilder out = new StringBuilder(bytes.length);
        int n = bytes.length;
        int i = 0;
        while (i < n) {
            int b0 = bytes[i] & 0xFF;
            if (b0 < 0x80) {
                out.append((char) b0);
                i++;
            } else if (b0 == 0xC0) {
                // ftfy's pattern is C0(80|$), and Python's '$' also matches just before a final '\n'
                if (i + 1 < n && (byteAt(bytes, i + 1) == 0x80 || (byteAt(bytes, i + 1) == 0x0A && i + 2 == n))) {
                    out.append('\0');
                    i += 2;
                } else {
                    return null;
                }
            } else if (b0 == 0xED && i + 1 < n && byteAt(bytes, i + 1) >= 0xA0) {
                if (!isCesu8Pair(bytes, i)) {
                    return null;
                }
                int cp = 0x10000 + ((byteAt(bytes, i + 1) & 0x0F) << 16) + ((byteAt(bytes, i + 2) & 0x3F) << 10)
                        + ((byteAt(bytes, i + 4) & 0x0F) << 6) + (byteAt(bytes, i + 5) & 0x3F);
                out.appendCodePoint(cp);
                i += 6;
            } else {
                int len = sequenceLength(bytes, i);
                if (len == 0) {
                    return null;
                }
                int cp = switch (len) {
                    case 2 -> ((b0 & 0x1F) << 6) | (byteAt(bytes, i + 1) & 0x3F);
                    case 3 -> ((b0 & 0x0F) << 12) | ((byteAt(bytes, i + 1) & 0x3F) << 6) | (byteAt(bytes, i + 2) & 0x3F);
                    default -> ((b0 & 0x07) << 18) | ((byteAt(bytes, i + 1) & 0x3F) << 12)
                            | ((byteAt(bytes, i + 2) & 0x3F) << 6) | (byteAt(bytes, i + 3) & 0x3F);
                };
                out.appendCodePoint(cp);
                i += len;
            }
        }
        return out.toString();
    }

    /** ED A0-AF 80-BF ED B0-BF 80-BF (the last byte may also be a final '\n', as Python's '$' allows). */
    private static boolean isCesu8Pair(byte[] b, int i) {
        if (i + 6 > b.length) {
            return false;
        }
        int last = byteAt(b, i + 5);
        return inRange(byteAt(b, i + 1), 0xA0, 0xAF) && inRange(byteAt(b, i + 2), 0x80, 0xBF)
                && byteAt(b, i + 3) == 0xED && inRange(byteAt(b, i + 4), 0xB0, 0xBF)
                && (inRange(last, 0x80, 0xBF) || (last == 0x0A && i + 6 == b.length));
    }

    /** Length of the well-formed UTF-8 sequence at i (shortest form, no surrogates, at most U+10FFFF), else 0. */
    private static int sequenceLength(byte[] b, int i) {
        int b0 = byteAt(b, i);
        int len;
        int lo2 = 0x80;
        int hi2 = 0xBF;
        if (b0 >= 0xC2 && b0 <= 0xDF) {
            len = 2;
        } else if (b0 >= 0xE0 && b0 <= 0xEF) {
            len = 3;
            if (b0 == 0xE0) {
                lo2 = 0xA0;
            } else if (b0 == 0xED) {
                hi2 = 0x9F;
            }
        } else if (b0 >= 0xF0 && b0 <= 0xF4) {
            len = 4;
            if (b0 == 0xF0) {
                lo2 = 0x90;
            } else if (b0 == 0xF4) {
                hi2 = 0x8F;
            }
        } else {
            return 0;
        }
        if (i + len > b.length || !inRange(byteAt(b, i + 1), lo2, hi2)) {
            return 0;
        }
        for (int k = 2; k < len; k++) {
            if (!inRange(byteAt(b, i + k), 0x80, 0xBF)) {
                return 0;
            }
        }
        return len;
    }

    private static int byteAt(byte[] b, int i) {
        return b[i] & 0xFF;
    }

    private static boolean inRange(int v, int lo, int hi) {
        return v >= lo && v <= hi;
    }
}
