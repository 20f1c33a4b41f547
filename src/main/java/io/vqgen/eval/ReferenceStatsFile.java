package io.vqgen.eval;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.vqgen.weights.StoredZipEntry;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;
import java.util.zip.ZipOutputStream;

/**
 * Cached reference statistics as pytorch-fid saves them ({@code --save-stats}): an {@code .npz} with {@code mu}
 * (float64 [d]) and {@code sigma} (float64 [d, d]), so that pytorch-fid reads vqgen's files and vqgen reads
 * pytorch-fid's. vqgen adds {@code vqgen.json} (ignored by numpy): the image count and how the features were made
 * (network weights' SHA-256, resize convention, source), which a later run checks before it reuses the file.
 */
public final class ReferenceStatsFile {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Pattern SHAPE = Pattern.compile("'shape':\\s*\\(([^)]*)\\)");
    private static final Pattern DESCR = Pattern.compile("'descr':\\s*'([^']*)'");

    /** @param meta vqgen's provenance record, or null for a file another tool wrote */
    public record Contents(GaussianStats stats, Map<String, String> meta) {
    }

    private ReferenceStatsFile() {
    }

    public static void write(OutputStream out, GaussianStats stats, Map<String, String> meta) throws IOException {
        try (ZipOutputStream zip = new ZipOutputStream(out)) {
            StoredZipEntry.write(zip, "mu.npy", npy(stats.mean(), new long[] {stats.dim()}));
            StoredZipEntry.write(zip, "sigma.npy", npy(stats.cov(), new long[] {stats.dim(), stats.dim()}));
            Map<String, String> m = new LinkedHashMap<>(meta);
            m.put("count", Long.toString(stats.count()));
            StoredZipEntry.write(zip, "vqgen.json", JSON.writerWithDefaultPrettyPrinter().writeValueAsBytes(m));
        }
    }

    /** @param source the file, for messages */
    public static Contents read(InputStream in, String source) throws IOException {
        double[] mu = null;
        double[] sigma = null;
        long[] sigmaShape = null;
        Map<String, String> meta = null;
        try (ZipInputStream zip = new ZipInputStream(in)) {
            for (ZipEntry e; (e = zip.getNextEntry()) != null; ) {
                byte[] bytes = zip.readAllBytes();
                switch (e.getName()) {
                    case "mu.npy" -> mu = doubles(bytes, source + " mu", null);
                    case "sigma.npy" -> {
                        sigmaShape = new long[2];
                        sigma = doubles(bytes, source + " sigma", sigmaShape);
                    }
                    case "vqgen.json" -> meta = JSON.readValue(bytes, new TypeReference<Map<String, String>>() { });
                    default -> { }
                }
            }
        }
        if (mu == null || sigma == null) {
            throw new IllegalArgumentException(source + ": not a statistics file: expected an .npz with mu.npy and "
                    + "sigma.npy (as pytorch-fid --save-stats writes)");
        }
        if (sigmaShape[0] != mu.length || sigmaShape[1] != mu.length) {
            throw new IllegalArgumentException(source + ": sigma is " + sigmaShape[0] + "x" + sigmaShape[1]
                    + " but mu has " + mu.length + " values");
        }
        long count = meta == null ? 0 : Long.parseLong(meta.getOrDefault("count", "0"));
        return new Contents(new GaussianStats(count, mu, sigma), meta);
    }

    private static byte[] npy(double[] values, long[] shape) {
        StringBuilder dims = new StringBuilder();
        for (long d : shape) {
            dims.append(d).append(", ");
        }
        String shapeText = shape.length == 1 ? "(" + shape[0] + ",)" : "(" + dims.substring(0, dims.length() - 2) + ")";
        String header = "{'descr': '<f8', 'fortran_order': False, 'shape': " + shapeText + ", }";
        int total = 10 + header.length() + 1;
        int pad = (64 - total % 64) % 64;
        header = header + " ".repeat(pad) + "\n";
        ByteBuffer b = ByteBuffer.allocate(10 + header.length() + values.length * 8).order(ByteOrder.LITTLE_ENDIAN);
        b.put(new byte[] {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y', 1, 0});
        b.putShort((short) header.length());
        b.put(header.getBytes(StandardCharsets.US_ASCII));
        for (double v : values) {
            b.putDouble(v);
        }
        return b.array();
    }

    private static double[] doubles(byte[] bytes, String what, long[] shapeOut) {
        if (bytes.length < 10 || bytes[0] != (byte) 0x93 || bytes[1] != 'N') {
            throw new IllegalArgumentException(what + ": not a .npy array");
        }
        ByteBuffer b = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
        int major = bytes[6];
        int headerLen = major == 1 ? Short.toUnsignedInt(b.getShort(8)) : b.getInt(8);
        int start = major == 1 ? 10 : 12;
        String header = new String(bytes, start, headerLen, StandardCharsets.US_ASCII);
        Matcher descr = DESCR.matcher(header);
        Matcher shape = SHAPE.matcher(header);
        if (!descr.find() || !shape.find() || header.contains("'fortran_order': True")) {
            throw new IllegalArgumentException(what + ": unsupported .npy header " + header.strip());
        }
        String[] dims = shape.group(1).split(",");
        long n = 1;
        int k = 0;
        for (String d : dims) {
            if (!d.isBlank()) {
                long v = Long.parseLong(d.strip());
                n *= v;
                if (shapeOut != null && k < shapeOut.length) {
                    shapeOut[k] = v;
                }
                k++;
            }
        }
        double[] out = new double[Math.toIntExact(n)];
        int at = start + headerLen;
        int width = descr.group(1).equals("<f4") ? 4 : 8;
        if ((long) at + n * width > bytes.length) {
            throw new IllegalArgumentException(what + ": truncated (" + bytes.length + " bytes for " + n + " values)");
        }
        switch (descr.group(1)) {
            case "<f8" -> {
                for (int i = 0; i < out.length; i++) {
                    out[i] = b.getDouble(at + i * 8);
                }
            }
            case "<f4" -> {
                for (int i = 0; i < out.length; i++) {
                    out[i] = b.getFloat(at + i * 4);
                }
            }
            default -> throw new IllegalArgumentException(what + ": dtype " + descr.group(1) + " (expected float64 or float32)");
        }
        return out;
    }

}
