package io.vqgen.weights;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** NumPy .npy (format 1.0/2.0, little-endian, C order, no pickles): the reference goldens, --latents input and tokens.npy output. */
public final class Npy {
    private static final byte[] MAGIC = {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y'};
    private static final Pattern DESCR = Pattern.compile("'descr':\\s*'([^']*)'");
    private static final Pattern ORDER = Pattern.compile("'fortran_order':\\s*(True|False)");
    private static final Pattern SHAPE = Pattern.compile("'shape':\\s*\\(([^)]*)\\)");

    private Npy() {
    }

    /** An array read from a .npy file. */
    public record Array(StorageType type, long[] shape, ByteBuffer data) {
        public long size() {
            return RawTensor.elementCount(shape);
        }

        public float[] toFloats() {
            float[] out = new float[Math.toIntExact(size())];
            ByteBuffer b = data.duplicate().order(ByteOrder.LITTLE_ENDIAN);
            for (int i = 0; i < out.length; i++) {
                out[i] = switch (type) {
                    case F32 -> b.getFloat(i * 4);
                    case F64 -> (float) b.getDouble(i * 8);
                    default -> throw new WeightsException("expected a float array, found " + type);
                };
            }
            return out;
        }

        public long[] toLongs() {
            long[] out = new long[Math.toIntExact(size())];
            ByteBuffer b = data.duplicate().order(ByteOrder.LITTLE_ENDIAN);
            for (int i = 0; i < out.length; i++) {
                out[i] = switch (type) {
                    case I64 -> b.getLong(i * 8);
                    case I32 -> b.getInt(i * 4);
                    case I16 -> b.getShort(i * 2);
                    case I8 -> b.get(i);
                    case U8 -> b.get(i) & 0xFF;
                    default -> throw new WeightsException("expected an integer array, found " + type);
                };
            }
            return out;
        }
    }

    public static Array read(Path path) {
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(path);
        } catch (NoSuchFileException e) {
            throw new WeightsException(path + ": file not found");
        } catch (IOException e) {
            throw new WeightsException(path + ": cannot read: " + e.getMessage(), e);
        }
        if (bytes.length < 10 || !Arrays.equals(Arrays.copyOf(bytes, 6), MAGIC)) {
            throw new WeightsException(path + ": not a .npy file (missing \\x93NUMPY magic)");
        }
        ByteBuffer b = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
        int major = bytes[6];
        int headerLen;
        int headerStart;
        if (major == 1) {
            headerLen = Short.toUnsignedInt(b.getShort(8));
            headerStart = 10;
        } else if (major == 2 || major == 3) {
            if (bytes.length < 12) {
                throw new WeightsException(path + ": corrupt .npy file (" + bytes.length + " bytes: too short for a "
                        + "version " + major + " header length)");
            }
            headerLen = b.getInt(8);
            headerStart = 12;
        } else {
            throw new WeightsException(path + ": unsupported .npy version " + major);
        }
        if (headerLen < 0 || headerStart + (long) headerLen > bytes.length) {
            throw new WeightsException(path + ": corrupt .npy header length " + headerLen);
        }
        String header = new String(bytes, headerStart, headerLen, StandardCharsets.ISO_8859_1);
        String descr = group(DESCR, header, path, "descr");
        if ("True".equals(group(ORDER, header, path, "fortran_order"))) {
            throw new WeightsException(path + ": Fortran-ordered arrays are not supported (expected C order)");
        }
        StorageType type = switch (descr) {
            case "<f4" -> StorageType.F32;
            case "<f8" -> StorageType.F64;
            case "<i8" -> StorageType.I64;
            case "<i4" -> StorageType.I32;
            case "<i2" -> StorageType.I16;
            case "|i1" -> StorageType.I8;
            case "|u1" -> StorageType.U8;
            case "|b1" -> StorageType.BOOL;
            default -> throw new WeightsException(path + ": unsupported .npy dtype '" + descr
                    + "' (expected little-endian <f4, <f8, <i8, <i4, <i2, |i1, |u1 or |b1)");
        };
        long[] shape = shape(path, group(SHAPE, header, path, "shape").trim());
        int dataStart = headerStart + headerLen;
        long need;
        try {
            need = Math.multiplyExact(RawTensor.elementCount(shape), type.bytes());
        } catch (ArithmeticException e) {
            throw new WeightsException(path + ": shape " + Arrays.toString(shape) + " is too large");
        }
        if (bytes.length - dataStart != need) {
            throw new WeightsException(path + ": shape " + Arrays.toString(shape) + " " + descr + " needs " + need
                    + " data bytes, file has " + (bytes.length - dataStart));
        }
        ByteBuffer data = ByteBuffer.wrap(bytes, dataStart, (int) need).slice().order(ByteOrder.LITTLE_ENDIAN);
        return new Array(type, shape, data);
    }

    /** A Python tuple's items, "" for (), "3," for (3,): non-negative whole numbers. */
    private static long[] shape(Path path, String dims) {
        String[] items = dims.split(",", -1);
        int n = dims.isEmpty() ? 0 : items[items.length - 1].isBlank() && items.length > 1 ? items.length - 1 : items.length;
        long[] shape = new long[n];
        for (int i = 0; i < n; i++) {
            String item = items[i].trim();
            try {
                shape[i] = item.matches("[0-9]+") ? Long.parseLong(item) : -1;
            } catch (NumberFormatException e) {
                shape[i] = -1; // beyond 64 bits
            }
            if (shape[i] < 0) {
                throw new WeightsException(path + ": corrupt .npy header: shape (" + dims
                        + ") (expected a tuple of non-negative whole numbers)");
            }
        }
        return shape;
    }

    private static String group(Pattern p, String header, Path path, String key) {
        Matcher m = p.matcher(header);
        if (!m.find()) {
            throw new WeightsException(path + ": corrupt .npy header: no '" + key + "' in " + header.trim());
        }
        return m.group(1);
    }

    public static void writeLongs(OutputStream out, long[] values, long... shape) throws IOException {
        ByteBuffer data = ByteBuffer.allocate(values.length * 8).order(ByteOrder.LITTLE_ENDIAN);
        for (long v : values) {
            data.putLong(v);
        }
        write(out, "<i8", shape, data.array());
    }

    public static void writeFloats(OutputStream out, float[] values, long... shape) throws IOException {
        ByteBuffer data = ByteBuffer.allocate(values.length * 4).order(ByteOrder.LITTLE_ENDIAN);
        for (float v : values) {
            data.putFloat(v);
        }
        write(out, "<f4", shape, data.array());
    }

    /**
     * The header of an int64 array of this shape, for a writer that streams the values after it (little-endian, row
     * by row; {@link #longs}).
     */
    public static void writeLongsHeader(OutputStream out, long... shape) throws IOException {
        write(out, "<i8", shape, new byte[0]);
    }

    /** Values as the int64 data that follows {@link #writeLongsHeader}. */
    public static byte[] longs(int[] values) {
        ByteBuffer data = ByteBuffer.allocate(values.length * 8).order(ByteOrder.LITTLE_ENDIAN);
        for (int v : values) {
            data.putLong(v);
        }
        return data.array();
    }

    private static void write(OutputStream out, String descr, long[] shape, byte[] data) throws IOException {
        StringBuilder dims = new StringBuilder();
        for (long d : shape) {
            dims.append(d).append(", ");
        }
        if (shape.length > 1) {
            dims.setLength(dims.length() - 2);
        } else if (shape.length == 1) {
            dims.setLength(dims.length() - 1);
        }
        String header = "{'descr': '" + descr + "', 'fortran_order': False, 'shape': (" + dims + "), }";
        int total = 10 + header.length() + 1;
        int pad = (64 - total % 64) % 64;
        header = header + " ".repeat(pad) + "\n";
        out.write(MAGIC);
        out.write(new byte[] {1, 0, (byte) (header.length() & 0xFF), (byte) (header.length() >>> 8)});
        out.write(header.getBytes(StandardCharsets.ISO_8859_1));
        out.write(data);
    }
}
