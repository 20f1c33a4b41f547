package io.vqgen.pipeline;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Map;
import java.util.zip.CRC32;

/**
 * Puts text (keyword → value) into a PNG, right after its header chunk: a {@code tEXt} chunk when keyword and value
 * are Latin-1 (the PNG standard's text encoding, read by every PNG reader), else an uncompressed {@code iTXt} chunk
 * (UTF-8). PIL shows them in {@code Image.text}, exiftool as tags. The pixels and every other chunk are kept byte
 * for byte, and the same text always gives the same bytes.
 */
public final class PngText {
    private static final byte[] SIGNATURE = {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};
    /** Signature, then IHDR: length (4), type (4), 13 bytes of data, CRC (4). */
    private static final int AFTER_HEADER = SIGNATURE.length + 4 + 4 + 13 + 4;

    private PngText() {
    }

    /**
     * @throws IllegalArgumentException if {@code png} does not start with a PNG signature and header, or a keyword
     *                                  is not 1–79 printable Latin-1 characters without leading, trailing or double
     *                                  spaces (the standard's rule)
     */
    public static byte[] insert(byte[] png, Map<String, String> text) {
        if (png.length < AFTER_HEADER || !Arrays.equals(png, 0, SIGNATURE.length, SIGNATURE, 0, SIGNATURE.length)
                || !new String(png, 12, 4, StandardCharsets.US_ASCII).equals("IHDR")) {
            throw new IllegalArgumentException("not a PNG (no signature and IHDR chunk at the start)");
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream(png.length + 64 * text.size());
        out.write(png, 0, AFTER_HEADER);
        text.forEach((keyword, value) -> chunk(out, keyword, value));
        out.write(png, AFTER_HEADER, png.length - AFTER_HEADER);
        return out.toByteArray();
    }

    private static void chunk(ByteArrayOutputStream out, String keyword, String value) {
        checkKeyword(keyword);
        byte[] key = keyword.getBytes(StandardCharsets.ISO_8859_1);
        ByteArrayOutputStream data = new ByteArrayOutputStream(key.length + value.length() + 8);
        data.writeBytes(key);
        data.write(0);
        String type;
        if (StandardCharsets.ISO_8859_1.newEncoder().canEncode(value) && value.indexOf('\0') < 0) {
            type = "tEXt";
            data.writeBytes(value.getBytes(StandardCharsets.ISO_8859_1));
        } else {
            type = "iTXt";
            data.write(0); // not compressed
            data.write(0); // compression method
            data.write(0); // no language tag
            data.write(0); // no translated keyword
            data.writeBytes(value.getBytes(StandardCharsets.UTF_8));
        }
        byte[] name = type.getBytes(StandardCharsets.US_ASCII);
        byte[] body = data.toByteArray();
        CRC32 crc = new CRC32();
        crc.update(name);
        crc.update(body);
        out.writeBytes(ByteBuffer.allocate(4).putInt(body.length).array());
        out.writeBytes(name);
        out.writeBytes(body);
        out.writeBytes(ByteBuffer.allocate(4).putInt((int) crc.getValue()).array());
    }

    private static void checkKeyword(String k) {
        boolean ok = !k.isEmpty() && k.length() <= 79 && !k.startsWith(" ") && !k.endsWith(" ") && !k.contains("  ")
                && k.chars().allMatch(c -> (c >= 32 && c <= 126) || (c >= 161 && c <= 255));
        if (!ok) {
            throw new IllegalArgumentException("PNG text keyword '" + k + "': expected 1-79 printable Latin-1 "
                    + "characters, no leading, trailing or consecutive spaces");
        }
    }
}
