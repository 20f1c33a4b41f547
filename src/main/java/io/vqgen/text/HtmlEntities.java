package io.vqgen.text;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * ftfy's {@code unescape_html}: decodes HTML5 named entities that end in ';' (plus upper-cased forms of the simple
 * ones, such as {@code &NTILDE;}) and numeric character references, leaving anything ambiguous alone.
 */
final class HtmlEntities {
    private static final Pattern ENTITY = Pattern.compile("&#?[0-9A-Za-z]{1,24};");
    private static final Map<String, String> NAMED = load();

    private HtmlEntities() {
    }

    static String unescape(String text) {
        if (text.indexOf('&') < 0) {
            return text;
        }
        Matcher m = ENTITY.matcher(text);
        StringBuilder out = null;
        int last = 0;
        while (m.find()) {
            String entity = m.group();
            String replacement = decode(entity);
            if (!replacement.equals(entity)) {
                if (out == null) {
                    out = new StringBuilder(text.length());
                }
                out.append(text, last, m.start()).append(replacement);
                last = m.end();
            }
        }
        if (out == null) {
            return text;
        }
        return out.append(text, last, text.length()).toString();
    }

    private static String decode(String entity) {
        String named = NAMED.get(entity);
        if (named != null) {
            return named;
        }
        if (entity.startsWith("&#")) {
            String decoded = decodeNumeric(entity.substring(2, entity.length() - 1));
            // ftfy keeps the entity when Python's html.unescape did not consume the whole of it (and, as a quirk
            // of that test, when it decodes to ';' itself)
            return decoded == null || decoded.indexOf(';') >= 0 ? entity : decoded;
        }
        return entity;
    }

    /**
     * Python's html.unescape of "&#BODY;": decimal digits, or x/X and hex digits, else null (not fully decoded).
     * Windows-1252 meanings for 128-159, U+FFFD for 0, surrogates and out-of-range numbers, nothing for the
     * code points HTML forbids.
     */
    private static String decodeNumeric(String body) {
        boolean hex = body.charAt(0) == 'x' || body.charAt(0) == 'X';
        String digits = hex ? body.substring(1) : body;
        int radix = hex ? 16 : 10;
        if (digits.isEmpty()) {
            return null;
        }
        long value = 0;
        for (int i = 0; i < digits.length(); i++) {
            int d = Character.digit(digits.charAt(i), radix);
            if (d < 0) {
                return null;
            }
            value = Math.min(value * radix + d, 0x110000);
        }
        int cp = (int) value;
        if (cp == 0) {
            return "\uFFFD";
        }
        if (cp == 0x0D) {
            return "\r";
        }
        if (cp >= 0x80 && cp <= 0x9F) {
            return String.valueOf(SingleByteEncoding.SLOPPY_WINDOWS_1252.decode(cp));
        }
        if ((cp >= 0xD800 && cp <= 0xDFFF) || cp > 0x10FFFF) {
            return "\uFFFD";
        }
        if (isForbidden(cp)) {
            return "";
        }
        return new String(Character.toChars(cp));
    }

    private static boolean isForbidden(int cp) {
        return (cp >= 0x01 && cp <= 0x08) || cp == 0x0B || (cp >= 0x0E && cp <= 0x1F) || cp == 0x7F
                || (cp >= 0xFDD0 && cp <= 0xFDEF) || (cp & 0xFFFE) == 0xFFFE;
    }

    private static Map<String, String> load() {
        Map<String, String> map = new HashMap<>(8192);
        try (InputStream in = HtmlEntities.class.getResourceAsStream("html-entities.tsv")) {
            if (in == null) {
                throw new IllegalStateException("resource io/vqgen/text/html-entities.tsv is missing from the build");
            }
            BufferedReader reader = new BufferedReader(new InputStreamReader(in, StandardCharsets.US_ASCII));
            String line;
            while ((line = reader.readLine()) != null) {
                if (line.isEmpty() || line.startsWith("#")) {
                    continue;
                }
                int tab = line.indexOf('\t');
                StringBuilder value = new StringBuilder(2);
                for (String hex : line.substring(tab + 1).split(" ")) {
                    value.appendCodePoint(Integer.parseInt(hex, 16));
                }
                map.put(line.substring(0, tab), value.toString());
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return map;
    }
}
