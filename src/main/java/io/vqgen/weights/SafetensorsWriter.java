package io.vqgen.weights;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.Channels;
import java.nio.channels.WritableByteChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collection;
import java.util.Map;
import java.util.function.Function;

/** Writes tensors in the standard .safetensors layout (header padded to 8 bytes, data in header order). */
public final class SafetensorsWriter {
    private static final ObjectMapper JSON = new ObjectMapper();

    private SafetensorsWriter() {
    }

    public static void write(Path file, Collection<RawTensor> tensors, Map<String, String> metadata) throws IOException {
        write(file, tensors, RawTensor::data, metadata);
    }

    /**
     * Writes tensors whose bytes come from {@code content}, asked for one tensor at a time in header order, so a
     * checkpoint far larger than memory can be streamed out. {@code content} must give exactly the bytes that
     * each tensor's type and shape call for.
     */
    public static void write(Path file, Collection<RawTensor> tensors, Function<RawTensor, ByteBuffer> content,
                             Map<String, String> metadata) throws IOException {
        ObjectNode header = JSON.createObjectNode();
        if (!metadata.isEmpty()) {
            ObjectNode meta = header.putObject("__metadata__");
            metadata.forEach(meta::put);
        }
        long offset = 0;
        for (RawTensor t : tensors) {
            ObjectNode entry = header.putObject(t.name());
            entry.put("dtype", t.type().name());
            ArrayNode shape = entry.putArray("shape");
            for (long d : t.shape()) {
                shape.add(d);
            }
            long size = Math.multiplyExact(t.elementCount(), (long) t.type().bytes());
            entry.putArray("data_offsets").add(offset).add(offset + size);
            offset += size;
        }
        byte[] json = JSON.writeValueAsString(header).getBytes(StandardCharsets.UTF_8);
        int padded = (json.length + 7) / 8 * 8;
        Files.createDirectories(file.toAbsolutePath().getParent());
        try (OutputStream out = new BufferedOutputStream(Files.newOutputStream(file), 1 << 20);
             WritableByteChannel channel = Channels.newChannel(out)) {
            ByteBuffer prefix = ByteBuffer.allocate(8 + padded).order(ByteOrder.LITTLE_ENDIAN);
            prefix.putLong(padded).put(json);
            while (prefix.hasRemaining()) {
                prefix.put((byte) ' ');
            }
            prefix.flip();
            channel.write(prefix);
            for (RawTensor t : tensors) {
                ByteBuffer data = content.apply(t).duplicate();
                if (data.remaining() != Math.multiplyExact(t.elementCount(), (long) t.type().bytes())) {
                    throw new IllegalArgumentException(t.name() + ": " + data.remaining() + " bytes for " + t.type()
                            + t.shapeString());
                }
                while (data.hasRemaining()) {
                    channel.write(data);
                }
            }
        }
    }
}
