package io.vqgen.text;

import java.text.Normalizer;
import java.util.regex.Pattern;

/**
 * ftfy 6.1.1's {@code fix_text} with its default configuration, which CLIP's tokenizer applies to every prompt:
 * per line, HTML entities (unless the text holds a '<'), mojibake, C1 controls, Latin ligatures, full/half-width
 * forms, curly quotes, line breaks, surrogates, terminal escapes and control characters, then NFC, repeated
 * until the line no longer changes.
 */
final class TextFixer {
    /** ftfy fixes at most this many code points at once. */
    private static final int MAX_SEGMENT = 1_000_000;
    private static final Pattern TERMINAL_ESCAPE = Pattern.compile("\u001B\\[(?:\\p{Nd}|;)*[a-zA-Z]");
    private static final String[] LIGATURES = new String[0x10000];
    /** U+FF01..U+FFEF → their NFKC (normal-width) form, or null to keep. */
    private static final String[] WIDTH = new String[0xFFF0 - 0xFF01];

    static {
        String[][] ligatures = {
            {"Ĳ", "IJ"}, {"ĳ", "ij"}, {"ŉ", "ʼn"}, {"Ǳ", "DZ"}, {"ǲ", "Dz"}, {"ǳ", "dz"}, {"Ǆ", "DŽ"}, {"ǅ", "Dž"},
            {"ǆ", "dž"}, {"Ǉ", "LJ"}, {"ǈ", "Lj"}, {"ǉ", "lj"}, {"Ǌ", "NJ"}, {"ǋ", "Nj"}, {"ǌ", "nj"}, {"ﬀ", "ff"},
            {"ﬁ", "fi"}, {"ﬂ", "fl"}, {"ﬃ", "ffi"}, {"ﬄ", "ffl"}, {"ﬅ", "ſt"}, {"ﬆ", "st"},
        };
        for (String[] pair : ligatures) {
            LIGATURES[pair[0].charAt(0)] = pair[1];
        }
        for (int c = 0xFF01; c < 0xFFF0; c++) {
            String ch = String.valueOf((char) c);
            String normal = Normalizer.normalize(ch, Normalizer.Form.NFKC);
            WIDTH[c - 0xFF01] = normal.equals(ch) ? null : normal;
        }
    }

    private TextFixer() {
    }

    static String fixText(String text) {
        StringBuilder out = new StringBuilder(text.length());
        // "auto": HTML entities are decoded until a segment shows a literal '<' (real HTML); then never again
        boolean unescapeHtml = true;
        int pos = 0;
        while (pos < text.length()) {
            int newline = text.indexOf('\n', pos);
            int end = newline < 0 ? text.length() : newline + 1;
            if (text.codePointCount(pos, end) > MAX_SEGMENT) {
                end = text.offsetByCodePoints(pos, MAX_SEGMENT);
            }
            String segment = text.substring(pos, end);
            if (unescapeHtml && segment.indexOf('<') >= 0) {
                unescapeHtml = false;
            }
            out.append(fixSegment(segment, unescapeHtml));
            pos = end;
        }
        return out.toString();
    }

    private static String fixSegment(String text, boolean unescapeHtml) {
        if (isPlainAscii(text)) {
            return text;
        }
        while (true) {
            String original = text;
            if (unescapeHtml) {
                text = HtmlEntities.unescape(text);
            }
            text = MojibakeFixer.fixEncoding(text);
            text = fixC1Controls(text);
            text = fixLatinLigatures(text);
            text = fixCharacterWidth(text);
            text = uncurlQuotes(text);
            text = fixLineBreaks(text);
            text = fixSurrogates(text);
            text = removeTerminalEscapes(text);
            text = removeControlChars(text);
            if (!Normalizer.isNormalized(text, Normalizer.Form.NFC)) {
                text = Normalizer.normalize(text, Normalizer.Form.NFC);
            }
            if (text.equals(original)) {
                return text;
            }
        }
    }

    /** Printable ASCII, tabs and line feeds, no '&': text that no step of fix_text changes. */
    private static boolean isPlainAscii(String text) {
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c > 0x7E || (c < 0x20 && c != '\t' && c != '\n') || c == '&') {
                return false;
            }
        }
        return true;
    }

    /** C1 controls U+80..U+9F → what those bytes mean in Windows-1252 (as browsers do). */
    static String fixC1Controls(String text) {
        return mapChars(text, c -> c >= 0x80 && c <= 0x9F
                ? String.valueOf(SingleByteEncoding.SLOPPY_WINDOWS_1252.decode(c)) : null);
    }

    private static String fixLatinLigatures(String text) {
        return mapChars(text, c -> LIGATURES[c]);
    }

    private static String fixCharacterWidth(String text) {
        return mapChars(text, c -> c == 0x3000 ? " " : c >= 0xFF01 && c < 0xFFF0 ? WIDTH[c - 0xFF01] : null);
    }

    private static String uncurlQuotes(String text) {
        return mapChars(text, c -> c == 0x02BC || (c >= 0x2018 && c <= 0x201B) ? "'"
                : c >= 0x201C && c <= 0x201F ? "\"" : null);
    }

    private static String fixLineBreaks(String text) {
        return text.replace("\r\n", "\n").replace('\r', '\n').replace('\u2028', '\n').replace('\u2029', '\n')
                .replace('\u0085', '\n');
    }

    /** Unpaired UTF-16 surrogates → U+FFFD (paired ones already are the character they encode). */
    private static String fixSurrogates(String text) {
        StringBuilder out = null;
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            boolean paired = Character.isHighSurrogate(c) && i + 1 < text.length()
                    && Character.isLowSurrogate(text.charAt(i + 1));
            if (paired) {
                if (out != null) {
                    out.append(c).append(text.charAt(i + 1));
                }
                i++;
                continue;
            }
            if (Character.isSurrogate(c) && out == null) {
                out = new StringBuilder(text.length()).append(text, 0, i);
            }
            if (out != null) {
                out.append(Character.isSurrogate(c) ? '\uFFFD' : c);
            }
        }
        return out == null ? text : out.toString();
    }

    private static String removeTerminalEscapes(String text) {
        return text.indexOf('\u001B') < 0 ? text : TERMINAL_ESCAPE.matcher(text).replaceAll("");
    }

    /** Control characters with no visible effect: C0 except tab, LF, FF and CR; DEL; U+206A-F; BOM; U+FFF9-C. */
    private static String removeControlChars(String text) {
        return mapChars(text, c -> (c <= 0x08 || c == 0x0B || (c >= 0x0E && c <= 0x1F) || c == 0x7F
                || (c >= 0x206A && c <= 0x206F) || c == 0xFEFF || (c >= 0xFFF9 && c <= 0xFFFC)) ? "" : null);
    }

    private interface CharMap {
        /** The replacement for c, or null to keep it. */
        String apply(char c);
    }

    private static String mapChars(String text, CharMap map) {
        StringBuilder out = null;
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            String replacement = map.apply(c);
            if (replacement != null && out == null) {
                out = new StringBuilder(text.length() + 8).append(text, 0, i);
            }
            if (out != null) {
                if (replacement != null) {
                    out.append(replacement);
                } else {
                    out.append(c);
                }
            }
        }
        return out == null ? text : out.toString();
    }
}
