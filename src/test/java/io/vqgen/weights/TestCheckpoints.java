package io.vqgen.weights;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.zip.CRC32;

/** Writers for the small checkpoints the tests build: safetensors files, torch-style zip archives, state-dict pickles. */
final class TestCheckpoints {
    private static final ObjectMapper JSON = new ObjectMapper();

    private TestCheckpoints() {
    }

    /** One tensor to write: safetensors dtype name, shape, little-endian bytes. */
    record Tensor(String dtype, long[] shape, byte[] data) {
        static Tensor f32(long[] shape, float... values) {
            return new Tensor("F32", shape, floats(values));
        }
    }

    static byte[] floats(float... values) {
        ByteBuffer b = ByteBuffer.allocate(values.length * 4).order(ByteOrder.LITTLE_ENDIAN);
        for (float v : values) {
            b.putFloat(v);
        }
        return b.array();
    }

    static byte[] shorts(int... values) {
        ByteBuffer b = ByteBuffer.allocate(values.length * 2).order(ByteOrder.LITTLE_ENDIAN);
        for (int v : values) {
            b.putShort((short) v);
        }
        return b.array();
    }

    static byte[] longs(long... values) {
        ByteBuffer b = ByteBuffer.allocate(values.length * 8).order(ByteOrder.LITTLE_ENDIAN);
        for (long v : values) {
            b.putLong(v);
        }
        return b.array();
    }

    static Path safetensors(Path file, Map<String, Tensor> tensors) throws IOException {
        ObjectNode header = JSON.createObjectNode();
        ByteArrayOutputStream data = new ByteArrayOutputStream();
        for (Map.Entry<String, Tensor> e : tensors.entrySet()) {
            ObjectNode entry = header.putObject(e.getKey());
            entry.put("dtype", e.getValue().dtype());
            var shape = entry.putArray("shape");
            for (long d : e.getValue().shape()) {
                shape.add(d);
            }
            entry.putArray("data_offsets").add(data.size()).add(data.size() + e.getValue().data().length);
            data.writeBytes(e.getValue().data());
        }
        byte[] h = JSON.writeValueAsBytes(header);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes(longs(h.length));
        out.writeBytes(h);
        out.writeBytes(data.toByteArray());
        Files.createDirectories(file.getParent());
        return Files.write(file, out.toByteArray());
    }

    static Path json(Path file, String text) throws IOException {
        Files.createDirectories(file.getParent());
        return Files.writeString(file, text);
    }

    /** A torch.save-style archive: "archive/data.pkl", "archive/data/KEY" for each storage, "archive/version". */
    static Path torchZip(Path file, byte[] pickle, Map<String, byte[]> storages, boolean zip64) throws IOException {
        Map<String, byte[]> entries = new LinkedHashMap<>();
        entries.put("archive/data.pkl", pickle);
        storages.forEach((key, bytes) -> entries.put("archive/data/" + key, bytes));
        entries.put("archive/version", "3\n".getBytes(StandardCharsets.US_ASCII));
        return zip(file, entries, zip64);
    }

    /**
     * A zip archive of stored entries. With {@code zip64} every size and offset goes into ZIP64 extra fields and
     * the archive ends with ZIP64 end-of-directory records, as writers do for archives beyond 4 GiB.
     */
    static Path zip(Path file, Map<String, byte[]> entries, boolean zip64) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream dir = new ByteArrayOutputStream();
        for (Map.Entry<String, byte[]> e : entries.entrySet()) {
            byte[] name = e.getKey().getBytes(StandardCharsets.UTF_8);
            byte[] data = e.getValue();
            CRC32 crc = new CRC32();
            crc.update(data);
            long offset = out.size();
            ByteBuffer local = le(30 + (zip64 ? 20 : 0));
            local.putInt(0x04034b50).putShort((short) (zip64 ? 45 : 20)).putShort((short) 0).putShort((short) 0)
                    .putInt(0).putInt((int) crc.getValue());
            local.putInt(zip64 ? -1 : data.length).putInt(zip64 ? -1 : data.length);
            local.putShort((short) name.length).putShort((short) (zip64 ? 20 : 0));
            if (zip64) {
                local.putShort((short) 1).putShort((short) 16).putLong(data.length).putLong(data.length);
            }
            out.write(local.array(), 0, 30);
            out.writeBytes(name);
            out.write(local.array(), 30, local.capacity() - 30);
            out.writeBytes(data);

            ByteBuffer central = le(46 + (zip64 ? 28 : 0));
            central.putInt(0x02014b50).putShort((short) (zip64 ? 45 : 20)).putShort((short) (zip64 ? 45 : 20))
                    .putShort((short) 0).putShort((short) 0).putInt(0).putInt((int) crc.getValue());
            central.putInt(zip64 ? -1 : data.length).putInt(zip64 ? -1 : data.length);
            central.putShort((short) name.length).putShort((short) (zip64 ? 28 : 0)).putShort((short) 0)
                    .putShort((short) 0).putShort((short) 0).putInt(0).putInt(zip64 ? -1 : (int) offset);
            if (zip64) {
                central.putShort((short) 1).putShort((short) 24).putLong(data.length).putLong(data.length).putLong(offset);
            }
            dir.write(central.array(), 0, 46);
            dir.writeBytes(name);
            dir.write(central.array(), 46, central.capacity() - 46);
        }
        long dirOffset = out.size();
        out.writeBytes(dir.toByteArray());
        if (zip64) {
            long z64 = out.size();
            ByteBuffer record = le(56);
            record.putInt(0x06064b50).putLong(44).putShort((short) 45).putShort((short) 45).putInt(0).putInt(0)
                    .putLong(entries.size()).putLong(entries.size()).putLong(dir.size()).putLong(dirOffset);
            out.writeBytes(record.array());
            ByteBuffer locator = le(20);
            locator.putInt(0x07064b50).putInt(0).putLong(z64).putInt(1);
            out.writeBytes(locator.array());
        }
        ByteBuffer end = le(22);
        end.putInt(0x06054b50).putShort((short) 0).putShort((short) 0);
        if (zip64) {
            end.putShort((short) -1).putShort((short) -1).putInt(-1).putInt(-1);
        } else {
            end.putShort((short) entries.size()).putShort((short) entries.size()).putInt(dir.size()).putInt((int) dirOffset);
        }
        end.putShort((short) 0);
        out.writeBytes(end.array());
        Files.createDirectories(file.getParent());
        return Files.write(file, out.toByteArray());
    }

    private static ByteBuffer le(int size) {
        return ByteBuffer.allocate(size).order(ByteOrder.LITTLE_ENDIAN);
    }
}
