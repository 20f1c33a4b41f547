package io.vqgen.weights;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A .safetensors file: 8-byte little-endian header length, a JSON header, then the data area.
 * Every header field is checked against the file before any tensor is touched; tensor bytes are
 * memory-mapped one tensor at a time, so files far beyond the heap (or 2 GiB) are fine.
 */
public final class SafetensorsFile implements TensorFile {
    /** Real headers are a few hundred KB; anything beyond this is a corrupt or hostile file. */
    static final long MAX_HEADER_BYTES = 100L * 1024 * 1024;
    private static final ObjectMapper JSON = new ObjectMapper();

    private final Path path;
    private final FileChannel channel;
    private final Map<String, RawTensor> tensors;
    private final Map<String, String> metadata;

    private SafetensorsFile(Path path, FileChannel channel, Map<String, RawTensor> tensors, Map<String, String> metadata) {
        this.path = path;
        this.channel = channel;
        this.tensors = Collections.unmodifiableMap(tensors);
        this.metadata = Collections.unmodifiableMap(metadata);
    }

    public static SafetensorsFile open(Path path) {
        FileChannel channel = openChannel(path);
        try {
            return read(path, channel);
        } catch (RuntimeException e) {
            closeQuietly(channel);
            throw e;
        }
    }

    private static SafetensorsFile read(Path path, FileChannel channel) {
        try {
            long fileSize = channel.size();
            if (fileSize < 8) {
                throw new WeightsException(path + ": not a safetensors file: " + fileSize
                        + " bytes, expected at least an 8-byte header length");
            }
            ByteBuffer lengthBytes = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
            readFully(channel, lengthBytes, 0);
            long headerLength = lengthBytes.flip().getLong();
            if (headerLength < 2 || headerLength > MAX_HEADER_BYTES) {
                throw new WeightsException(path + ": corrupt safetensors header length " + Long.toUnsignedString(headerLength)
                        + " (expected 2.." + MAX_HEADER_BYTES + " bytes)");
            }
            if (8 + headerLength > fileSize) {
                throw new WeightsException(path + ": truncated or corrupt: header length " + headerLength
                        + " runs past the end of the " + fileSize + "-byte file");
            }
            ByteBuffer header = ByteBuffer.allocate((int) headerLength);
            readFully(channel, header, 8);
            JsonNode root;
            try {
                root = JSON.readTree(new String(header.array(), StandardCharsets.UTF_8));
            } catch (JsonProcessingException e) {
                throw new WeightsException(path + ": corrupt safetensors header: not valid JSON ("
                        + e.getOriginalMessage() + ")");
            }
            if (root == null || !root.isObject()) {
                throw new WeightsException(path + ": corrupt safetensors header: expected a JSON object");
            }
            long dataStart = 8 + headerLength;
            long dataSize = fileSize - dataStart;
            Map<String, String> metadata = new LinkedHashMap<>();
            List<Entry> entries = new ArrayList<>();
            for (Iterator<Map.Entry<String, JsonNode>> it = root.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> field = it.next();
                if (field.getKey().equals("__metadata__")) {
                    field.getValue().fields().forEachRemaining(m -> metadata.put(m.getKey(), m.getValue().asText()));
                    continue;
                }
                entries.add(parseEntry(path, field.getKey(), field.getValue(), dataSize));
            }
            checkNoOverlap(path, entries);
            Map<String, RawTensor> tensors = new LinkedHashMap<>();
            for (Entry e : entries) {
                long size = e.end - e.begin;
                ByteBuffer data = size == 0 ? ByteBuffer.allocate(0)
                        : channel.map(FileChannel.MapMode.READ_ONLY, dataStart + e.begin, size);
                tensors.put(e.name, new RawTensor(e.name, e.type, e.shape, data, path.toString()));
            }
            return new SafetensorsFile(path, channel, tensors, metadata);
        } catch (IOException e) {
            throw new WeightsException(path + ": read failed: " + e.getMessage(), e);
        }
    }

    private record Entry(String name, StorageType type, long[] shape, long begin, long end) {
    }

    private static Entry parseEntry(Path path, String name, JsonNode node, long dataSize) {
        String where = path + ": tensor '" + name + "'";
        if (!node.isObject()) {
            throw new WeightsException(where + ": header entry is not an object");
        }
        JsonNode dtypeNode = node.get("dtype");
        if (dtypeNode == null || !dtypeNode.isTextual()) {
            throw new WeightsException(where + ": header entry has no dtype");
        }
        StorageType type = StorageType.fromSafetensors(dtypeNode.asText());
        if (type == null) {
            throw new WeightsException(where + ": unsupported dtype '" + dtypeNode.asText()
                    + "' (expected one of F64, F32, F16, BF16, I64, I32, I16, I8, U8, BOOL)");
        }
        JsonNode shapeNode = node.get("shape");
        if (shapeNode == null || !shapeNode.isArray()) {
            throw new WeightsException(where + ": header entry has no shape array");
        }
        long[] shape = new long[shapeNode.size()];
        for (int i = 0; i < shape.length; i++) {
            JsonNode d = shapeNode.get(i);
            if (!d.canConvertToLong() || !d.isIntegralNumber() || d.asLong() < 0) {
                throw new WeightsException(where + ": invalid dimension " + d + " in shape " + shapeNode
                        + " (expected non-negative integers)");
            }
            shape[i] = d.asLong();
        }
        JsonNode offsets = node.get("data_offsets");
        if (offsets == null || !offsets.isArray() || offsets.size() != 2
                || !offsets.get(0).isIntegralNumber() || !offsets.get(1).isIntegralNumber()) {
            throw new WeightsException(where + ": header entry needs data_offsets [begin, end]");
        }
        long begin = offsets.get(0).asLong();
        long end = offsets.get(1).asLong();
        if (begin < 0 || end < begin) {
            throw new WeightsException(where + ": invalid data_offsets [" + begin + ", " + end + "]");
        }
        if (end > dataSize) {
            throw new WeightsException(where + ": data_offsets [" + begin + ", " + end
                    + "] point past the end of the data area (" + dataSize + " bytes): file truncated or corrupt");
        }
        long expected;
        try {
            expected = Math.multiplyExact(RawTensor.elementCount(shape), type.bytes());
        } catch (ArithmeticException e) {
            throw new WeightsException(where + ": shape " + shapeNode + " overflows 64-bit element count");
        }
        if (expected != end - begin) {
            throw new WeightsException(where + ": shape " + shapeNode + " " + type + " needs " + expected
                    + " bytes, but data_offsets give " + (end - begin));
        }
        return new Entry(name, type, shape, begin, end);
    }

    private static void checkNoOverlap(Path path, List<Entry> entries) {
        List<Entry> sorted = new ArrayList<>(entries);
        sorted.sort(Comparator.comparingLong(Entry::begin));
        for (int i = 1; i < sorted.size(); i++) {
            Entry prev = sorted.get(i - 1);
            Entry cur = sorted.get(i);
            if (cur.begin < prev.end && cur.end > cur.begin) {
                throw new WeightsException(path + ": corrupt header: byte ranges of tensors '" + prev.name
                        + "' [" + prev.begin + ", " + prev.end + ") and '" + cur.name + "' [" + cur.begin
                        + ", " + cur.end + ") overlap");
            }
        }
    }

    private static void readFully(FileChannel channel, ByteBuffer buffer, long position) throws IOException {
        long pos = position;
        while (buffer.hasRemaining()) {
            int n = channel.read(buffer, pos);
            if (n < 0) {
                throw new IOException("unexpected end of file at byte " + pos);
            }
            pos += n;
        }
    }

    /** Closes a channel while a better error is already on its way. */
    /** Opens a weights file for reading; a missing or unreadable file is a WeightsException naming it. */
    static FileChannel openChannel(Path path) {
        try {
            return FileChannel.open(path, StandardOpenOption.READ);
        } catch (NoSuchFileException e) {
            throw new WeightsException(path + ": file not found");
        } catch (IOException e) {
            throw new WeightsException(path + ": cannot open: " + e.getMessage(), e);
        }
    }

    static void closeQuietly(FileChannel channel) {
        try {
            channel.close();
        } catch (IOException ignored) {
            // already failing with a better message
        }
    }

    public Path path() {
        return path;
    }

    @Override
    public Map<String, RawTensor> tensors() {
        return tensors;
    }

    @Override
    public Map<String, String> metadata() {
        return metadata;
    }

    @Override
    public void close() {
        closeQuietly(channel);
    }
}
