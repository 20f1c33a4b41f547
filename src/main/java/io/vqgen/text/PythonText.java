package io.vqgen.text;

/** Python's notion of whitespace ({@code str.isspace}, {@code str.strip}), which the reference tokenizer relies on. */
final class PythonText {
    private PythonText() {
    }

    /** {@code chr(cp).isspace()}: Unicode White_Space plus the ASCII separators U+1C..U+1F. */
    static boolean isSpace(int cp) {
        return (cp >= 0x09 && cp <= 0x0D) || (cp >= 0x1C && cp <= 0x20) || cp == 0x85 || cp == 0xA0 || cp == 0x1680
                || (cp >= 0x2000 && cp <= 0x200A) || cp == 0x2028 || cp == 0x2029 || cp == 0x202F || cp == 0x205F
                || cp == 0x3000;
    }

    static String lstrip(String s) {
        int i = 0;
        while (i < s.length() && isSpace(s.charAt(i))) {
            i++;
        }
        return s.substring(i);
    }

    static String rstrip(String s) {
        int end = s.length();
        while (end > 0 && isSpace(s.charAt(end - 1))) {
            end--;
        }
        return s.substring(0, end);
    }

    static String strip(String s) {
        return lstrip(rstrip(s));
    }
}
