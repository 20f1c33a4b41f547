package io.vqgen.pipeline;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.zip.CRC32;
import java.util.zip.Deflater;

/**
 * Writes 8-bit RGB images as PNG (colour type 2, no interlace). Deterministic: the same pixels always give
 * the same bytes, so a retried task rewrites an identical object. Rows are filtered adaptively (the filter
 * with the smallest sum of absolute signed bytes, libpng's heuristic) before zlib compression.
 */
public final class PngEncoder {
    private static final byte[] SIGNATURE = {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};
    private static final int CHANNELS = 3;

    private PngEncoder() {
    }

    public static byte[] encode(GeneratedImage image) {
        return encode(image.rgb(), image.width(), image.height());
    }

    /**
     * @param rgb row-major HWC bytes, {@code width * height * 3} of them
     */
    public static byte[] encode(byte[] rgb, int width, int height) {
        if (width <= 0 || height <= 0 || (long) width * height * CHANNELS != rgb.length) {
            throw new IllegalArgumentException("PNG: " + rgb.length + " bytes do not make a " + width + "x" + height
                    + " RGB image (expected width*height*3 bytes, width and height > 0)");
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream(rgb.length / 2 + 64);
        out.writeBytes(SIGNATURE);
        ByteBuffer header = ByteBuffer.allocate(13).putInt(width).putInt(height)
                .put((byte) 8).put((byte) 2).put((byte) 0).put((byte) 0).put((byte) 0);
        chunk(out, "IHDR", header.array());
        chunk(out, "IDAT", deflate(filtered(rgb, width, height)));
        chunk(out, "IEND", new byte[0]);
        return out.toByteArray();
    }

    private static byte[] filtered(byte[] rgb, int width, int height) {
        int stride = width * CHANNELS;
        byte[] out = new byte[height * (stride + 1)];
        byte[][] candidates = new byte[5][stride];
        for (int y = 0; y < height; y++) {
            int row = y * stride;
            int best = 0;
            long bestCost = Long.MAX_VALUE;
            for (int f = 0; f < 5; f++) {
                long cost = 0;
                for (int i = 0; i < stride; i++) {
                    int x = rgb[row + i] & 0xFF;
                    int a = i >= CHANNELS ? rgb[row + i - CHANNELS] & 0xFF : 0;
                    int b = y > 0 ? rgb[row - stride + i] & 0xFF : 0;
                    int c = y > 0 && i >= CHANNELS ? rgb[row - stride + i - CHANNELS] & 0xFF : 0;
                    byte v = (byte) (x - predictor(f, a, b, c));
                    candidates[f][i] = v;
                    cost += Math.abs(v);
                }
                if (cost < bestCost) {
                    bestCost = cost;
                    best = f;
                }
            }
            int at = y * (stride + 1);
            out[at] = (byte) best;
            System.arraycopy(candidates[best], 0, out, at + 1, stride);
        }
        return out;
    }

    /** PNG filter types: 0 none, 1 sub, 2 up, 3 average, 4 Paeth. */
    private static int predictor(int filter, int a, int b, int c) {
        return switch (filter) {
            case 0 -> 0;
            case 1 -> a;
            case 2 -> b;
            case 3 -> (a + b) >>> 1;
            default -> {
                int p = a + b - c;
                int pa = Math.abs(p - a);
                int pb = Math.abs(p - b);
                int pc = Math.abs(p - c);
                yield pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
            }
        };
    }

    private static byte[] deflate(byte[] data) {
        Deflater deflater = new Deflater(Deflater.DEFAULT_COMPRESSION);
        try {
            deflater.setInput(data);
            deflater.finish();
            ByteArrayOutputStream out = new ByteArrayOutputStream(data.length / 2 + 64);
            byte[] buf = new byte[64 * 1024];
            while (!deflater.finished()) {
                out.write(buf, 0, deflater.deflate(buf));
            }
            return out.toByteArray();
        } finally {
            deflater.end();
        }
    }

    private static void chunk(ByteArrayOutputStream out, String type, byte[] data) {
        byte[] name = type.getBytes(StandardCharsets.US_ASCII);
        CRC32 crc = new CRC32();
        crc.update(name);
        crc.update(data);
        out.writeBytes(ByteBuffer.allocate(4).putInt(data.length).array());
        out.writeBytes(name);
        out.writeBytes(data);
        out.writeBytes(ByteBuffer.allocate(4).putInt((int) crc.getValue()).array());
    }
}
