package io.vqgen.text;

import java.util.List;
import java.util.function.IntPredicate;

/**
 * ftfy 6.1.1's mojibake heuristic ({@code ftfy.badness.is_bad}): text is "bad" when it contains one of a set of
 * short character sequences that are far more likely to come from UTF-8 decoded as a single-byte encoding than
 * from real writing, such as an accented lower-case letter directly followed by a currency sign. The character
 * categories and sequences are ftfy's (its regular expression, as a list of alternatives).
 */
final class Badness {
    static final String COMMON = "\u00a0\u00ad·´\u2013\u2014\u2015…’";
    static final String C1 = "\u0080-\u009f";
    static final String BAD = "¦¤¨¬¯¶§¸ƒˆˇ˘˛˜†‡‰⌐◊\ufffdªº";
    static final String CURRENCY = "¢£¥₧€";
    static final String START_PUNCTUATION = "¡«¿©΄΅‘‚“„•‹\uf8ff";
    static final String END_PUNCTUATION = "®»˝”›™";
    static final String NUMERIC = "²³¹±¼½¾×µ÷⁄∂∆∏∑√∞∩∫≈≠≡≤≥№";
    static final String KAOMOJI = "Ò-ÖÙ-Üò-öø-üŐ°";
    static final String UPPER_ACCENTED = "À-ÑØÜÝĂĄĆČĎĐĘĚĞİĹĽŁŃŇŒŘŚŞŠŢŤŮŰŸŹŻŽҐ";
    static final String LOWER_ACCENTED = "ßà-ñăąćčďđęěğĺľłœŕśşšťüźżžґﬁﬂ";
    static final String UPPER_COMMON = "ÞΑ-ΩΆΈΉΊΌΎΏΪΫЁ-Я";
    static final String LOWER_COMMON = "α-ωάέήίΰа-џ";
    static final String BOX = "│┌┐┘├┤┬┼═-╬▀▄█▌▐░▒▓";

    /** Python's \s (str.isspace). */
    private static final IntPredicate SPACE = PythonText::isSpace;
    /** Python's \w: letters, numbers, '_'. */
    private static final IntPredicate WORD = cp -> Character.isLetterOrDigit(cp) || cp == '_'
            || Character.getType(cp) == Character.LETTER_NUMBER || Character.getType(cp) == Character.OTHER_NUMBER;
    private static final IntPredicate ANY_BUT_NEWLINE = cp -> cp != '\n';
    private static final IntPredicate NOT_ASCII_LETTER = cp -> !((cp >= 'a' && cp <= 'z') || (cp >= 'A' && cp <= 'Z'));

    /** A sequence of character tests, matched at consecutive code points. */
    private record Sequence(boolean atStartOnly, IntPredicate... parts) {
        boolean matchesAt(int[] cps, int i) {
            if (atStartOnly && i != 0 || i + parts.length > cps.length) {
                return false;
            }
            for (int k = 0; k < parts.length; k++) {
                if (!parts[k].test(cps[i + k])) {
                    return false;
                }
            }
            return true;
        }
    }

    private static final List<Sequence> SEQUENCES = List.of(
            seq(c(C1)),
            seq(c(BAD, LOWER_ACCENTED, UPPER_ACCENTED, BOX, START_PUNCTUATION, END_PUNCTUATION, CURRENCY, NUMERIC),
                    c(BAD)),
            seq(c("a-zA-Z"), c(LOWER_COMMON, UPPER_COMMON), c(BAD)),
            seq(c(BAD), c(LOWER_ACCENTED, UPPER_ACCENTED, BOX, START_PUNCTUATION, END_PUNCTUATION, CURRENCY, NUMERIC)),
            seq(c(LOWER_ACCENTED, LOWER_COMMON, BOX, END_PUNCTUATION, CURRENCY, NUMERIC), c(UPPER_ACCENTED)),
            seq(c(BOX, END_PUNCTUATION, CURRENCY, NUMERIC), c(LOWER_ACCENTED)),
            seq(c(LOWER_ACCENTED, BOX, END_PUNCTUATION), c(CURRENCY)),
            seq(SPACE, c(UPPER_ACCENTED), c(CURRENCY)),
            seq(c(UPPER_ACCENTED, BOX), c(NUMERIC)),
            seq(c(LOWER_ACCENTED, UPPER_ACCENTED, BOX, CURRENCY, END_PUNCTUATION), c(START_PUNCTUATION), c(NUMERIC)),
            seq(c(LOWER_ACCENTED, UPPER_ACCENTED, CURRENCY, NUMERIC, BOX), c(END_PUNCTUATION), c(START_PUNCTUATION)),
            seq(c(CURRENCY, NUMERIC, BOX), c(START_PUNCTUATION)),
            seq(c("a-z"), c(UPPER_ACCENTED), c(START_PUNCTUATION, CURRENCY)),
            seq(c(BOX), c(KAOMOJI)),
            seq(c(LOWER_ACCENTED, UPPER_ACCENTED, CURRENCY, NUMERIC, START_PUNCTUATION, END_PUNCTUATION), c(BOX)),
            seq(c(BOX), c(END_PUNCTUATION)),
            seq(c(LOWER_ACCENTED, UPPER_ACCENTED), c(END_PUNCTUATION), WORD),
            // the ligature œ when not followed by an unaccented Latin letter
            seq(c("Œœ"), NOT_ASCII_LETTER),
            // common Windows-1252 two-character mojibake
            seq(c("ÂÃÎÐ"), c("€Šš¢£Ÿž\u00a0\u00ad®©°·»", START_PUNCTUATION, END_PUNCTUATION, "\u2013\u2014´")),
            seq(c("×"), c("²³")),
            // Windows-1252 mojibake of Arabic: four characters
            seq(c("ØÙ"), c(COMMON, CURRENCY, BAD, NUMERIC, START_PUNCTUATION, "ŸŠ®°µ»"),
                    c("ØÙ"), c(COMMON, CURRENCY, BAD, NUMERIC, START_PUNCTUATION, "ŸŠ®°µ»")),
            // Windows-1252 starts of three-character sequences of South Asian scripts
            seq(c("à"), c("²µ¹¼½¾")),
            // MacRoman mojibake
            seq(c("√"), c("±∂†≠®™´≤≥¥µø")),
            seq(c("≈"), c("°¢")),
            seq(c("‚"), c("Ä"), c("ìîïòôúùû†°¢π")),
            seq(c("‚"), c("âó"), c("àä°ê")),
            // Windows-1251 mojibake of the U+2000 range, of Latin-1 and of Cyrillic
            seq(c("в"), c("Ђ")),
            seq(c("ВГРС"), c(C1, BAD, START_PUNCTUATION, END_PUNCTUATION, CURRENCY, "°µ"), c("ВГРС")),
            seq(c("Г"), c("ў"), c("В"), c("Ђ"), c("В"), ANY_BUT_NEWLINE, c("A-Za-z ")),
            // Windows-1252 encodings of 'à', 'á' and U+A0 itself
            seq(c("Ã"), c("\u00a0¡")),
            seq(c("a-z"), c("ÃÂ"), c(" ")),
            seq(c("a-z"), SPACE, c("ÃÂ"), c(" ")),
            new Sequence(true, c("ÃÂ"), c(" ")),
            // Â before a character as an encoding of exactly that character
            seq(c("a-z.,?!", END_PUNCTUATION), c("Â"), c(" ", START_PUNCTUATION, END_PUNCTUATION)),
            // Windows-1253 mojibake of the U+2000 range, of Latin-1 and of Greek
            seq(c("β"), c("€"), c("™\u00a0Ά\u00ad®°")),
            seq(c("ΒΓΞΟ"), c(C1, BAD, START_PUNCTUATION, END_PUNCTUATION, CURRENCY, "°"), c("ΒΓΞΟ")));

    /** For each BMP character, the sequences (bit k = SEQUENCES.get(k)) whose first test it passes. */
    private static final long[] STARTING_WITH = new long[0x10000];

    static {
        for (int c = 0; c < STARTING_WITH.length; c++) {
            STARTING_WITH[c] = startingWith(c);
        }
    }

    private Badness() {
    }

    static boolean isBad(String text) {
        int[] cps = text.codePoints().toArray();
        for (int i = 0; i < cps.length; i++) {
            int cp = cps[i];
            for (long candidates = cp < 0x10000 ? STARTING_WITH[cp] : startingWith(cp); candidates != 0;
                 candidates &= candidates - 1) {
                if (SEQUENCES.get(Long.numberOfTrailingZeros(candidates)).matchesAt(cps, i)) {
                    return true;
                }
            }
        }
        return false;
    }

    private static long startingWith(int cp) {
        long mask = 0;
        for (int k = 0; k < SEQUENCES.size(); k++) {
            if (SEQUENCES.get(k).parts()[0].test(cp)) {
                mask |= 1L << k;
            }
        }
        return mask;
    }

    private static Sequence seq(IntPredicate... parts) {
        return new Sequence(false, parts);
    }

    private static CharClass c(String... specs) {
        return CharClass.of(specs);
    }
}
