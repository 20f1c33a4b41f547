package io.vqgen.text;

import java.nio.charset.StandardCharsets;
import java.util.function.UnaryOperator;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * ftfy 6.1.1's {@code fix_encoding}: when the text looks like mojibake (see {@link Badness}), re-encode it with the
 * first single-byte encoding that can represent it and decode the bytes as UTF-8 (allowing CESU-8, a space that
 * stood for byte A0, and bytes lost as U+FFFD); failing that, fix embedded UTF-8 mojibake piecewise, then Latin-1
 * that was meant as Windows-1252, then lone C1 controls. Repeats until nothing changes.
 *
 * <p>Not covered, as in ftfy itself: mix-ups between two single-byte encodings, and mojibake that does not trip the
 * badness heuristic.
 */
final class MojibakeFixer {
    /** UTF-8 sequences that would be valid if a Windows program had not turned byte A0 into a space. */
    private static final Pattern ALTERED_UTF8 = Pattern.compile(
            "[\\xC2\\xC3\\xC5\\xCE\\xD0\\xD9][ ]"
                    + "|[\\xE2\\xE3][ ][\\x80-\\x84\\x86-\\x9F\\xA1-\\xBF]"
                    + "|[\\xE0-\\xE3][\\x80-\\x84\\x86-\\x9F\\xA1-\\xBF][ ]"
                    + "|[\\xF0][ ][\\x80-\\xBF][\\x80-\\xBF]"
                    + "|[\\xF0][\\x80-\\xBF][ ][\\x80-\\xBF]"
                    + "|[\\xF0][\\x80-\\xBF][\\x80-\\xBF][ ]");
    /** "Ã " as a word of its own is "à " (French "à la"), except before the Portuguese contractions. */
    private static final Pattern A_GRAVE_WORD = Pattern.compile("\\xC3 (?! |quele|quela|quilo|s )");
    /** UTF-8 sequences in which some bytes were lost (byte 1A stands for a U+FFFD, '?' sometimes too). */
    private static final Pattern LOSSY_UTF8 = Pattern.compile(
            "[\\xC2-\\xDF][\\x1A]"
                    + "|[\\xC2-\\xC3][?]"
                    + "|\\xED[\\xA0-\\xAF][\\x1A?]\\xED[\\xB0-\\xBF][\\x1A?\\x80-\\xBF]"
                    + "|\\xED[\\xA0-\\xAF][\\x1A?\\x80-\\xBF]\\xED[\\xB0-\\xBF][\\x1A?]"
                    + "|[\\xE0-\\xEF][\\x1A?][\\x1A\\x80-\\xBF]"
                    + "|[\\xE0-\\xEF][\\x1A\\x80-\\xBF][\\x1A?]"
                    + "|[\\xF0-\\xF4][\\x1A?][\\x1A\\x80-\\xBF][\\x1A\\x80-\\xBF]"
                    + "|[\\xF0-\\xF4][\\x1A\\x80-\\xBF][\\x1A?][\\x1A\\x80-\\xBF]"
                    + "|[\\xF0-\\xF4][\\x1A\\x80-\\xBF][\\x1A\\x80-\\xBF][\\x1A?]"
                    + "|\\x1A");
    private static final String REPLACEMENT_UTF8 = "\u00EF\u00BF\u00BD";

    // Characters that bytes C2-DF, E0-EF, F0/F3 and 80-BF decode to in the Latin-1-like encodings
    private static final CharClass FIRST_OF_2 = CharClass.of("ÂÃÄÅÆÇÈÉÊËÌÍÎÏÐÑÒÓÔÕÖ×ØÙÚÛÜÝÞßĂĆČĎĐĘĚĞİĹŃŇŐŘŞŢŮŰ"
            + "ΒΓΔΕΖΗΘΙΚΛΜΝΞΟΠΡΣΤΥΦΧΨΩΪΫάέήίВГДЕЖЗИЙКЛМНОПРСТУФХЦЧШЩЪЫЬЭЮЯ");
    private static final CharClass FIRST_OF_3 = CharClass.of(
            "àáâãäåæçèéêëìíîïăćčďęěĺŕΰαβγδεζηθικλμνξοабвгдежзийклмноп");
    private static final CharClass FIRST_OF_4 = CharClass.of("ðóđğπσру");
    private static final String CONTINUATION_LETTERS = "\u0080-¿ĄąĽľŁłŒœŚśŞşŠšŤťŸŹźŻżŽžƒˆˇ˘˛˜˝΄΅"
            + "ΆΈΉΊΌΎΏЁЂЃЄЅІЇЈЉЊЋЌЎЏёђѓєѕіїјљњћќўџҐґ";
    private static final CharClass CONTINUATION_STRICT = CharClass.of(CONTINUATION_LETTERS, "†‡•‰‹›€№™");
    /** As strict, plus dashes, quotes, the ellipsis and a space (standing for U+A0). */
    private static final CharClass CONTINUATION = CharClass.of(CONTINUATION_LETTERS,
            "\u2013\u2014\u2015‘’‚“”„†‡•…‰‹›€№™ ");

    private MojibakeFixer() {
    }

    static String fixEncoding(String text) {
        while (true) {
            String fixed = fixOneStep(text);
            if (fixed.equals(text)) {
                return fixed;
            }
            text = fixed;
        }
    }

    private static String fixOneStep(String text) {
        if (isAscii(text) || !Badness.isBad(text)) {
            return text;
        }
        boolean latin1Possible = false;
        for (SingleByteEncoding encoding : SingleByteEncoding.MOJIBAKE_CANDIDATES) {
            byte[] encoded = encoding.encode(text);
            if (encoded == null) {
                continue;
            }
            latin1Possible |= encoding == SingleByteEncoding.LATIN_1;
            String bytes = new String(encoded, StandardCharsets.ISO_8859_1);
            if (ALTERED_UTF8.matcher(bytes).find()) {
                bytes = restoreByteA0(bytes);
            }
            if (encoding.isSloppy()) {
                bytes = LOSSY_UTF8.matcher(bytes).replaceAll(REPLACEMENT_UTF8);
            }
            String decoded = Utf8Variants.decode(bytes.getBytes(StandardCharsets.ISO_8859_1));
            if (decoded != null) {
                return decoded;
            }
        }
        if (containsUtf8Mojibake(text)) {
            String fixed = decodeInconsistentUtf8(text);
            if (!fixed.equals(text)) {
                return fixed;
            }
        }
        if (latin1Possible) {
            // characters of Latin-1 but not of Windows-1252 (C1 controls): assume Windows-1252 was meant
            String fixed = SingleByteEncoding.SLOPPY_WINDOWS_1252.decodeStrict(
                    SingleByteEncoding.LATIN_1.encode(text));
            if (fixed != null && !fixed.equals(text)) {
                return fixed;
            }
        }
        return TextFixer.fixC1Controls(text);
    }

    /** Byte strings are handled as ISO-8859-1 strings (one char per byte) so that they can be matched by regex. */
    private static String restoreByteA0(String bytes) {
        String marked = A_GRAVE_WORD.matcher(bytes).replaceAll("\u00C3\u00A0 ");
        return replaceEach(ALTERED_UTF8, marked, match -> match.replace(' ', '\u00A0'));
    }

    /** Fixes each run of UTF-8 mojibake on its own: for text that mixes encodings. */
    private static String decodeInconsistentUtf8(String text) {
        StringBuilder out = new StringBuilder(text.length());
        int copied = 0;
        int i = 0;
        while (i < text.length()) {
            int end = utf8MojibakeRunEnd(text, i);
            if (end < 0) {
                i++;
                continue;
            }
            String run = text.substring(i, end);
            boolean shorter = i > 0 || end < text.length();
            out.append(text, copied, i).append(shorter && Badness.isBad(run) ? fixEncoding(run) : run);
            copied = end;
            i = end;
        }
        return out.append(text, copied, text.length()).toString();
    }

    private static boolean containsUtf8Mojibake(String text) {
        for (int i = 0; i < text.length(); i++) {
            if (utf8MojibakeRunEnd(text, i) >= 0) {
                return true;
            }
        }
        return false;
    }

    /**
     * ftfy's UTF8_DETECTOR_RE anchored at i: one or more lead characters each followed by as many continuation
     * characters as that lead byte needs, not preceded by a strict continuation character (which would mean the
     * run is the tail of a longer garble). Returns the end of the run, or -1.
     */
    private static int utf8MojibakeRunEnd(String text, int i) {
        if (i > 0 && CONTINUATION_STRICT.test(text.charAt(i - 1))) {
            return -1;
        }
        int end = i;
        while (end < text.length()) {
            char lead = text.charAt(end);
            int continuations = FIRST_OF_2.test(lead) ? 1 : FIRST_OF_3.test(lead) ? 2 : FIRST_OF_4.test(lead) ? 3 : 0;
            if (continuations == 0 || end + continuations >= text.length()) {
                break;
            }
            int k = 1;
            while (k <= continuations && CONTINUATION.test(text.charAt(end + k))) {
                k++;
            }
            if (k <= continuations) {
                break;
            }
            end += continuations + 1;
        }
        return end > i ? end : -1;
    }

    private static String replaceEach(Pattern pattern, String text, UnaryOperator<String> fix) {
        Matcher m = pattern.matcher(text);
        StringBuilder out = new StringBuilder(text.length());
        int last = 0;
        while (m.find()) {
            out.append(text, last, m.start()).append(fix.apply(m.group()));
            last = m.end();
        }
        return out.append(text, last, text.length()).toString();
    }

    private static boolean isAscii(String text) {
        for (int i = 0; i < text.length(); i++) {
            if (text.charAt(i) >= 0x80) {
                return false;
            }
        }
        return true;
    }
}
