package io.vqgen.text;

import java.util.regex.Pattern;

/**
 * ftfy 6.1.1's mojibake heuristic ({@code ftfy.badness.is_bad}): text is "bad" when it contains a sequence of
 * characters that is far more likely to come from UTF-8 decoded as a single-byte encoding than from real writing,
 * such as an accented lower-case letter directly followed by a currency sign. The character categories and
 * sequences are ftfy's; inside a class, "x-y" is a range.
 */
final class Badness {
    private static final String COMMON = "\\x{a0}\\x{ad}·´\\x{2013}\\x{2014}\\x{2015}…’";
    private static final String C1 = "\\x{80}-\\x{9f}";
    private static final String BAD = "¦¤¨¬¯¶§¸ƒˆˇ˘˛˜†‡‰⌐◊\\x{fffd}ªº";
    private static final String CURRENCY = "¢£¥₧€";
    private static final String START_PUNCTUATION = "¡«¿©΄΅‘‚“„•‹\\x{f8ff}";
    private static final String END_PUNCTUATION = "®»˝”›™";
    private static final String NUMERIC = "²³¹±¼½¾×µ÷⁄∂∆∏∑√∞∩∫≈≠≡≤≥№";
    private static final String KAOMOJI = "Ò-ÖÙ-Üò-öø-üŐ°";
    private static final String UPPER_ACCENTED = "À-ÑØÜÝĂĄĆČĎĐĘĚĞİĹĽŁŃŇŒŘŚŞŠŢŤŮŰŸŹŻŽҐ";
    private static final String LOWER_ACCENTED = "ßà-ñăąćčďđęěğĺľłœŕśşšťüźżžґﬁﬂ";
    private static final String UPPER_COMMON = "ÞΑ-ΩΆΈΉΊΌΎΏΪΫЁ-Я";
    private static final String LOWER_COMMON = "α-ωάέήίΰа-џ";
    private static final String BOX = "│┌┐┘├┤┬┼═-╬▀▄█▌▐░▒▓";

    /** Python's \s (str.isspace) and \w (letters, numbers and '_') as they apply inside ftfy's expression. */
    private static final String SPACE = "\\t\\n\\x{0b}\\f\\r\\x{1c}-\\x{20}\\x{85}\\x{a0}\\x{1680}\\x{2000}-\\x{200a}"
            + "\\x{2028}\\x{2029}\\x{202f}\\x{205f}\\x{3000}";
    private static final String WORD = "\\p{L}\\p{N}_";

    private static final Pattern BADNESS = Pattern.compile(String.join("|",
            cls(C1),
            cls(BAD + LOWER_ACCENTED + UPPER_ACCENTED + BOX + START_PUNCTUATION + END_PUNCTUATION + CURRENCY + NUMERIC)
                    + cls(BAD),
            "[a-zA-Z]" + cls(LOWER_COMMON + UPPER_COMMON) + cls(BAD),
            cls(BAD) + cls(LOWER_ACCENTED + UPPER_ACCENTED + BOX + START_PUNCTUATION + END_PUNCTUATION + CURRENCY
                    + NUMERIC),
            cls(LOWER_ACCENTED + LOWER_COMMON + BOX + END_PUNCTUATION + CURRENCY + NUMERIC) + cls(UPPER_ACCENTED),
            cls(BOX + END_PUNCTUATION + CURRENCY + NUMERIC) + cls(LOWER_ACCENTED),
            cls(LOWER_ACCENTED + BOX + END_PUNCTUATION) + cls(CURRENCY),
            cls(SPACE) + cls(UPPER_ACCENTED) + cls(CURRENCY),
            cls(UPPER_ACCENTED + BOX) + cls(NUMERIC),
            cls(LOWER_ACCENTED + UPPER_ACCENTED + BOX + CURRENCY + END_PUNCTUATION) + cls(START_PUNCTUATION)
                    + cls(NUMERIC),
            cls(LOWER_ACCENTED + UPPER_ACCENTED + CURRENCY + NUMERIC + BOX) + cls(END_PUNCTUATION)
                    + cls(START_PUNCTUATION),
            cls(CURRENCY + NUMERIC + BOX) + cls(START_PUNCTUATION),
            "[a-z]" + cls(UPPER_ACCENTED) + cls(START_PUNCTUATION + CURRENCY),
            cls(BOX) + cls(KAOMOJI),
            cls(LOWER_ACCENTED + UPPER_ACCENTED + CURRENCY + NUMERIC + START_PUNCTUATION + END_PUNCTUATION) + cls(BOX),
            cls(BOX) + cls(END_PUNCTUATION),
            cls(LOWER_ACCENTED + UPPER_ACCENTED) + cls(END_PUNCTUATION) + cls(WORD),
            // the ligature œ when not followed by an unaccented Latin letter
            "[Œœ][^A-Za-z]",
            // common Windows-1252 two-character mojibake
            "[ÂÃÎÐ]" + cls("€Šš¢£Ÿž\\x{a0}\\x{ad}®©°·»" + START_PUNCTUATION + END_PUNCTUATION + "\\x{2013}\\x{2014}´"),
            "×[²³]",
            // Windows-1252 mojibake of Arabic: four characters
            "[ØÙ]" + cls(COMMON + CURRENCY + BAD + NUMERIC + START_PUNCTUATION + "ŸŠ®°µ»")
                    + "[ØÙ]" + cls(COMMON + CURRENCY + BAD + NUMERIC + START_PUNCTUATION + "ŸŠ®°µ»"),
            // Windows-1252 starts of three-character sequences of South Asian scripts
            "à[²µ¹¼½¾]",
            // MacRoman mojibake
            "√[±∂†≠®™´≤≥¥µø]",
            "≈[°¢]",
            "‚Ä[ìîïòôúùû†°¢π]",
            "‚[âó][àä°ê]",
            // Windows-1251 mojibake of the U+2000 range, of Latin-1 and of Cyrillic
            "вЂ",
            "[ВГРС]" + cls(C1 + BAD + START_PUNCTUATION + END_PUNCTUATION + CURRENCY + "°µ") + "[ВГРС]",
            "ГўВЂВ.[A-Za-z ]",
            // Windows-1252 encodings of 'à', 'á' and U+A0 itself
            "Ã[\\x{a0}¡]",
            "[a-z]" + cls(SPACE) + "?[ÃÂ][ ]",
            "^[ÃÂ][ ]",
            // Â before a character as an encoding of exactly that character
            cls("a-z.,?!" + END_PUNCTUATION) + "Â" + cls(" " + START_PUNCTUATION + END_PUNCTUATION),
            // Windows-1253 mojibake of the U+2000 range, of Latin-1 and of Greek
            "β€[™\\x{a0}Ά\\x{ad}®°]",
            "[ΒΓΞΟ]" + cls(C1 + BAD + START_PUNCTUATION + END_PUNCTUATION + CURRENCY + "°") + "[ΒΓΞΟ]"),
            Pattern.UNIX_LINES);

    private Badness() {
    }

    static boolean isBad(String text) {
        return BADNESS.matcher(text).find();
    }

    private static String cls(String members) {
        return "[" + members + "]";
    }
}
