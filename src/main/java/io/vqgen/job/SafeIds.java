package io.vqgen.job;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * Prompt ids as single path segments that are safe on every file system and object store.
 * <p>
 * Letters, digits, {@code .}, {@code _} and {@code -} are kept; every other UTF-8 byte becomes {@code ~XX}
 * (upper-case hex), and so does a leading {@code .} (no {@code .} / {@code ..} / hidden names). The mapping is
 * reversible, hence collision-free. Encodings longer than {@value #MAX_LENGTH} characters are cut at a
 * character boundary and end in {@code ~~} plus 16 hex digits of the id's SHA-256: {@code ~~} never occurs in
 * a plain encoding, so a shortened name cannot collide with an unshortened one.
 */
public final class SafeIds {
    static final int MAX_LENGTH = 120;
    private static final int KEPT_PREFIX = MAX_LENGTH - 18;

    private SafeIds() {
    }

    public static String encode(String id) {
        if (id == null || id.isEmpty()) {
            throw new IllegalArgumentException("an id must be a non-empty string");
        }
        byte[] utf8 = id.getBytes(StandardCharsets.UTF_8);
        StringBuilder out = new StringBuilder(utf8.length);
        for (int i = 0; i < utf8.length; i++) {
            int b = utf8[i] & 0xff;
            boolean kept = (b >= 'a' && b <= 'z') || (b >= 'A' && b <= 'Z') || (b >= '0' && b <= '9')
                    || b == '_' || b == '-' || (b == '.' && i > 0);
            if (kept) {
                out.append((char) b);
            } else {
                out.append('~').append(HexFormat.of().withUpperCase().toHexDigits((byte) b));
            }
        }
        if (out.length() <= MAX_LENGTH) {
            return out.toString();
        }
        int cut = KEPT_PREFIX;
        int lastEscape = out.lastIndexOf("~", cut - 1);
        if (lastEscape >= 0 && lastEscape > cut - 3) {
            cut = lastEscape;
        }
        return out.substring(0, cut) + "~~" + sha256Hex(id).substring(0, 16);
    }

    /** The id an unshortened encoding came from. */
    public static String decode(String encoded) {
        if (encoded.contains("~~")) {
            throw new IllegalArgumentException("'" + encoded + "' is a shortened id: only its hash is kept");
        }
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(encoded.length());
        for (int i = 0; i < encoded.length(); i++) {
            char c = encoded.charAt(i);
            if (c == '~') {
                if (i + 3 > encoded.length()) {
                    throw new IllegalArgumentException("'" + encoded + "': incomplete escape at " + i);
                }
                bytes.write(HexFormat.fromHexDigits(encoded, i + 1, i + 3));
                i += 2;
            } else {
                bytes.write(c);
            }
        }
        return bytes.toString(StandardCharsets.UTF_8);
    }

    private static String sha256Hex(String s) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
