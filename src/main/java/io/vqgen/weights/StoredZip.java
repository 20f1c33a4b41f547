package io.vqgen.weights;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The directory of a zip archive as torch.save writes it: entry name → where its bytes lie in the file.
 * Only the central directory is read into the heap; entry data is left on disk to be memory-mapped.
 * ZIP64 records (archives and entries beyond 4 GiB) are understood, and every size and offset is
 * checked against the file before it is used.
 */
final class StoredZip {
    private static final int LOCAL_HEADER = 0x04034b50;
    private static final int CENTRAL_HEADER = 0x02014b50;
    private static final int END_OF_DIRECTORY = 0x06054b50;
    private static final int ZIP64_END_OF_DIRECTORY = 0x06064b50;
    private static final int ZIP64_LOCATOR = 0x07064b50;
    private static final int ZIP64_EXTRA = 0x0001;
    private static final long MAX_32 = 0xFFFFFFFFL;
    private static final int EOCD_BYTES = 22;
    /** A central directory this large would describe millions of entries: corrupt or hostile. */
    private static final long MAX_DIRECTORY_BYTES = 64L * 1024 * 1024;

    /** One entry; {@code dataOffset} is the absolute file position of its first byte. */
    record Entry(String name, int method, boolean encrypted, long dataOffset, long size) {
        boolean stored() {
            return method == 0 && !encrypted;
        }
    }

    private final Path path;
    private final Map<String, Entry> entries;

    private StoredZip(Path path, Map<String, Entry> entries) {
        this.path = path;
        this.entries = Collections.unmodifiableMap(entries);
    }

    Map<String, Entry> entries() {
        return entries;
    }

    /** The named entry, which must exist and be stored uncompressed (torch.save never compresses). */
    Entry stored(String name, String role) {
        Entry e = entries.get(name);
        if (e == null) {
            throw new WeightsException(path + ": record '" + name + "' (" + role + ") is missing from the archive");
        }
        if (!e.stored()) {
            throw new WeightsException(path + ": record '" + name + "' is " + (e.encrypted ? "encrypted" : "compressed (method "
                    + e.method + ")") + "; torch.save writes uncompressed records (re-save the checkpoint with torch.save)");
        }
        return e;
    }

    static StoredZip read(Path path, FileChannel channel) throws IOException {
        long fileSize = channel.size();
        long eocd = findEndOfDirectory(path, channel, fileSize);
        ByteBuffer end = readAt(channel, eocd, EOCD_BYTES);
        long count = Short.toUnsignedInt(end.getShort(10));
        long dirSize = Integer.toUnsignedLong(end.getInt(12));
        long dirOffset = Integer.toUnsignedLong(end.getInt(16));
        long dirLimit = eocd;
        if (eocd >= 20 && readAt(channel, eocd - 20, 4).getInt(0) == ZIP64_LOCATOR) {
            long z64 = readAt(channel, eocd - 20, 20).getLong(8);
            if (z64 < 0 || z64 + 56 > eocd - 20) {
                throw corrupt(path, "ZIP64 end-of-directory offset " + z64 + " lies outside the file");
            }
            ByteBuffer z = readAt(channel, z64, 56);
            if (z.getInt(0) != ZIP64_END_OF_DIRECTORY) {
                throw corrupt(path, "no ZIP64 end-of-directory record at byte " + z64);
            }
            count = z.getLong(32);
            dirSize = z.getLong(40);
            dirOffset = z.getLong(48);
            dirLimit = z64;
        } else if (count == 0xFFFF || dirSize == MAX_32 || dirOffset == MAX_32) {
            throw corrupt(path, "end-of-directory record needs ZIP64 values but the ZIP64 locator is missing");
        }
        if (dirSize < 0 || dirOffset < 0 || dirSize > MAX_DIRECTORY_BYTES || dirOffset + dirSize > dirLimit) {
            throw corrupt(path, "central directory [" + dirOffset + ", +" + dirSize + ") does not fit before byte " + dirLimit);
        }
        if (count < 0 || count > dirSize / 46) {
            throw corrupt(path, "central directory claims " + count + " entries in " + dirSize + " bytes");
        }
        ByteBuffer dir = readAt(channel, dirOffset, (int) dirSize);
        Map<String, Entry> entries = new LinkedHashMap<>();
        int pos = 0;
        for (long i = 0; i < count; i++) {
            Entry e = readCentralEntry(path, channel, dir, pos, dirOffset);
            if (entries.put(e.name(), e) != null) {
                throw corrupt(path, "entry '" + e.name() + "' appears twice");
            }
            pos += 46 + Short.toUnsignedInt(dir.getShort(pos + 28)) + Short.toUnsignedInt(dir.getShort(pos + 30))
                    + Short.toUnsignedInt(dir.getShort(pos + 32));
        }
        return new StoredZip(path, entries);
    }

    private static Entry readCentralEntry(Path path, FileChannel channel, ByteBuffer dir, int pos, long dirOffset)
            throws IOException {
        if (pos + 46 > dir.limit() || dir.getInt(pos) != CENTRAL_HEADER) {
            throw corrupt(path, "bad central directory entry at byte " + (dirOffset + pos));
        }
        int flags = Short.toUnsignedInt(dir.getShort(pos + 8));
        int method = Short.toUnsignedInt(dir.getShort(pos + 10));
        long compressed = Integer.toUnsignedLong(dir.getInt(pos + 20));
        long size = Integer.toUnsignedLong(dir.getInt(pos + 24));
        int nameLength = Short.toUnsignedInt(dir.getShort(pos + 28));
        int extraLength = Short.toUnsignedInt(dir.getShort(pos + 30));
        int commentLength = Short.toUnsignedInt(dir.getShort(pos + 32));
        long localOffset = Integer.toUnsignedLong(dir.getInt(pos + 42));
        if (pos + 46L + nameLength + extraLength + commentLength > dir.limit()) {
            throw corrupt(path, "central directory entry at byte " + (dirOffset + pos) + " runs past the directory");
        }
        byte[] nameBytes = new byte[nameLength];
        dir.get(pos + 46, nameBytes);
        String name = new String(nameBytes, StandardCharsets.UTF_8);
        if (size == MAX_32 || compressed == MAX_32 || localOffset == MAX_32) {
            long[] z64 = zip64Values(path, name, dir, pos + 46 + nameLength, extraLength,
                    size == MAX_32, compressed == MAX_32, localOffset == MAX_32);
            size = z64[0] >= 0 ? z64[0] : size;
            compressed = z64[1] >= 0 ? z64[1] : compressed;
            localOffset = z64[2] >= 0 ? z64[2] : localOffset;
        }
        if (localOffset < 0 || localOffset + 30 > dirOffset) {
            throw corrupt(path, "entry '" + name + "': local header offset " + localOffset + " lies outside the data area");
        }
        ByteBuffer local = readAt(channel, localOffset, 30);
        if (local.getInt(0) != LOCAL_HEADER) {
            throw corrupt(path, "entry '" + name + "': no local header at byte " + localOffset);
        }
        int localName = Short.toUnsignedInt(local.getShort(26));
        int localExtra = Short.toUnsignedInt(local.getShort(28));
        long dataOffset = localOffset + 30 + localName + localExtra;
        if (localName != nameLength || dataOffset > dirOffset
                || !name.equals(new String(readAt(channel, localOffset + 30, localName).array(), StandardCharsets.UTF_8))) {
            throw corrupt(path, "entry '" + name + "': local header at byte " + localOffset + " does not match the directory");
        }
        if (method == 0 && compressed != size) {
            throw corrupt(path, "stored entry '" + name + "' has size " + size + " but " + compressed + " stored bytes");
        }
        if (compressed < 0 || size < 0 || dataOffset + compressed > dirOffset) {
            throw corrupt(path, "entry '" + name + "' [" + dataOffset + ", +" + compressed
                    + ") runs into the central directory at byte " + dirOffset + " (truncated?)");
        }
        return new Entry(name, method, (flags & 1) != 0, dataOffset, size);
    }

    /** ZIP64 extra field values for the fields that were 0xFFFFFFFF (in this fixed order); -1 for fields not present. */
    private static long[] zip64Values(Path path, String name, ByteBuffer dir, int start, int length,
                                      boolean hasSize, boolean hasCompressed, boolean hasOffset) {
        int pos = start;
        int end = start + length;
        while (pos + 4 <= end) {
            int id = Short.toUnsignedInt(dir.getShort(pos));
            int size = Short.toUnsignedInt(dir.getShort(pos + 2));
            if (pos + 4 + size > end) {
                break;
            }
            if (id == ZIP64_EXTRA) {
                long[] out = {-1, -1, -1};
                int p = pos + 4;
                boolean[] present = {hasSize, hasCompressed, hasOffset};
                for (int i = 0; i < 3; i++) {
                    if (present[i]) {
                        if (p + 8 > pos + 4 + size) {
                            throw corrupt(path, "entry '" + name + "': ZIP64 extra field too short");
                        }
                        out[i] = dir.getLong(p);
                        p += 8;
                    }
                }
                return out;
            }
            pos += 4 + size;
        }
        throw corrupt(path, "entry '" + name + "' needs a ZIP64 extra field but has none");
    }

    private static long findEndOfDirectory(Path path, FileChannel channel, long fileSize) throws IOException {
        if (fileSize < EOCD_BYTES) {
            throw new WeightsException(path + ": truncated zip archive: " + fileSize + " bytes, no end-of-directory record");
        }
        int tail = (int) Math.min(fileSize, EOCD_BYTES + 0xFFFF);
        ByteBuffer b = readAt(channel, fileSize - tail, tail);
        for (int i = tail - EOCD_BYTES; i >= 0; i--) {
            if (b.getInt(i) == END_OF_DIRECTORY && i + EOCD_BYTES + Short.toUnsignedInt(b.getShort(i + 20)) == tail) {
                return fileSize - tail + i;
            }
        }
        throw new WeightsException(path + ": truncated or corrupt zip archive: end-of-directory record not found");
    }

    private static ByteBuffer readAt(FileChannel channel, long position, int length) throws IOException {
        ByteBuffer b = ByteBuffer.allocate(length).order(ByteOrder.LITTLE_ENDIAN);
        long pos = position;
        while (b.hasRemaining()) {
            int n = channel.read(b, pos);
            if (n < 0) {
                throw new IOException("unexpected end of file at byte " + pos);
            }
            pos += n;
        }
        return b.flip();
    }

    private static WeightsException corrupt(Path path, String what) {
        return new WeightsException(path + ": corrupt zip archive: " + what);
    }
}
