package io.vqgen.text;

import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.Charset;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CodingErrorAction;
import java.util.Arrays;
import java.util.List;

/**
 * A single-byte character map as ftfy uses it to undo mojibake. The "sloppy" Windows code pages decode their
 * unassigned bytes to the code point of the same number (as Latin-1 does), and map byte 0x1A to U+FFFD so that a
 * replacement character can stand for a byte that was lost. Bytes 0x00-0x7F are ASCII in every one of them.
 */
final class SingleByteEncoding {
    static final SingleByteEncoding LATIN_1 = new SingleByteEncoding("latin-1", "ISO-8859-1", false);
    static final SingleByteEncoding SLOPPY_WINDOWS_1252 = new SingleByteEncoding("sloppy-windows-1252", "windows-1252", true);

    /** ftfy's CHARMAP_ENCODINGS: the encodings tried, in this order, when text looks like UTF-8 read wrongly. */
    static final List<SingleByteEncoding> MOJIBAKE_CANDIDATES = List.of(
            LATIN_1,
            SLOPPY_WINDOWS_1252,
            new SingleByteEncoding("sloppy-windows-1251", "windows-1251", true),
            new SingleByteEncoding("sloppy-windows-1250", "windows-1250", true),
            new SingleByteEncoding("sloppy-windows-1253", "windows-1253", true),
            new SingleByteEncoding("sloppy-windows-1254", "windows-1254", true),
            new SingleByteEncoding("iso-8859-2", "ISO-8859-2", false),
            new SingleByteEncoding("macroman", "x-MacRoman", false),
            new SingleByteEncoding("cp437", "IBM437", false));

    private final String name;
    private final boolean sloppy;
    private final char[] decodeTable = new char[256];
    /** The windows code page's own unassigned bytes (those the sloppy variant fills in). */
    private final boolean[] unassigned = new boolean[256];
    /** Character → byte, or -1. */
    private final short[] encodeTable = new short[0x10000];

    private SingleByteEncoding(String name, String javaCharset, boolean sloppy) {
        this.name = name;
        this.sloppy = sloppy;
        Charset charset = Charset.forName(javaCharset);
        for (int b = 0; b < 256; b++) {
            CharsetDecoder decoder = charset.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT);
            char c;
            try {
                CharBuffer decoded = decoder.decode(ByteBuffer.wrap(new byte[] {(byte) b}));
                c = decoded.length() == 1 ? decoded.charAt(0) : '\uFFFD';
            } catch (CharacterCodingException e) {
                c = '\uFFFD';
            }
            if (c == '\uFFFD') {
                if (!sloppy) {
                    throw new IllegalStateException(javaCharset + " leaves byte " + b + " unmapped");
                }
                unassigned[b] = true;
                c = (char) b;
            }
            decodeTable[b] = c;
        }
        if (sloppy) {
            decodeTable[0x1A] = '\uFFFD';
        }
        Arrays.fill(encodeTable, (short) -1);
        for (int b = 0; b < 256; b++) {
            encodeTable[decodeTable[b]] = (short) b;
        }
    }

    String name() {
        return name;
    }

    boolean isSloppy() {
        return sloppy;
    }

    char decode(int b) {
        return decodeTable[b & 0xFF];
    }

    /** The bytes that decode to this text, or null when some character has no byte in this encoding. */
    byte[] encode(String text) {
        byte[] out = new byte[text.length()];
        for (int i = 0; i < text.length(); i++) {
            short b = encodeTable[text.charAt(i)];
            if (b < 0) {
                return null;
            }
            out[i] = (byte) b;
        }
        return out;
    }

    /** Strict decoding (Python's non-sloppy codec): null when a byte is one of the code page's unassigned ones. */
    String decodeStrict(byte[] bytes) {
        StringBuilder out = new StringBuilder(bytes.length);
        for (byte b : bytes) {
            int u = b & 0xFF;
            if (unassigned[u]) {
                return null;
            }
            out.append(u == 0x1A ? (char) 0x1A : decodeTable[u]);
        }
        return out.toString();
    }
}
