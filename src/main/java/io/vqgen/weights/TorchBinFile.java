package io.vqgen.weights;

import java.io.IOException;
import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A PyTorch {@code .bin} checkpoint (torch.save of a state dict), read without running any of its code.
 *
 * <p>The zip format (torch ≥ 1.6: {@code <archive>/data.pkl} plus one uncompressed record per storage) and the
 * older single-stream format are both understood. The pickle is read by {@link RestrictedUnpickler}, which
 * refuses every global but torch's state-dict types; storage bytes stay on disk and are memory-mapped one
 * tensor at a time, so multi-GB files load with a normal heap.
 */
public final class TorchBinFile implements TensorFile {
    /** The number the pre-1.6 format starts with (torch.serialization.MAGIC_NUMBER). */
    private static final BigInteger LEGACY_MAGIC = new BigInteger("1950a86a20f9469cfc6c", 16);
    private static final long LEGACY_PROTOCOL = 1001;

    private final Path path;
    private final FileChannel channel;
    private final Map<String, RawTensor> tensors;

    private TorchBinFile(Path path, FileChannel channel, Map<String, RawTensor> tensors) {
        this.path = path;
        this.channel = channel;
        this.tensors = Collections.unmodifiableMap(tensors);
    }

    public static TorchBinFile open(Path path) {
        FileChannel channel = SafetensorsFile.openChannel(path);
        try {
            return new TorchBinFile(path, channel, read(path, channel));
        } catch (IOException e) {
            SafetensorsFile.closeQuietly(channel);
            throw new WeightsException(path + ": read failed: " + e.getMessage(), e);
        } catch (RuntimeException e) {
            SafetensorsFile.closeQuietly(channel);
            throw e;
        }
    }

    private static Map<String, RawTensor> read(Path path, FileChannel channel) throws IOException {
        Parsed parsed = parse(path, channel, false);
        return tensors(path, channel, parsed.root(), parsed.locations(), "");
    }

    /**
     * The pickled object tree of a torch.save file and where each storage's bytes lie; no tensor bytes are read.
     *
     * @param classReferences let globals outside the allow-list stand as inert {@link TorchPickleResolver.ClassReference}s
     *                        (training checkpoints key callback states by class); calling or building one is still refused
     */
    static Parsed parse(Path path, FileChannel channel, boolean classReferences) throws IOException {
        ByteBuffer magic = ByteBuffer.allocate(4);
        channel.read(magic, 0);
        byte[] m = magic.array();
        if (magic.position() == 4 && m[0] == 'P' && m[1] == 'K' && (m[2] == 3 || m[2] == 5)) {
            return readZip(path, channel, classReferences);
        }
        if (magic.position() >= 2 && (m[0] & 0xFF) == 0x80) {
            return readLegacy(path, channel, classReferences);
        }
        throw new WeightsException(path + ": not a PyTorch checkpoint (expected a zip archive written by torch.save, "
                + "starting with 'PK', or a pickle)");
    }

    /** A parsed torch.save file: its root object and the location of every storage it refers to. */
    record Parsed(Object root, Map<String, Location> locations) {
    }

    private static Parsed readZip(Path path, FileChannel channel, boolean classReferences) throws IOException {
        StoredZip zip = StoredZip.read(path, channel);
        String prefix = archivePrefix(path, zip);
        StoredZip.Entry byteOrder = zip.entries().get(prefix + "byteorder");
        if (byteOrder != null) {
            String order = StandardCharsets.US_ASCII.decode(map(path, channel, zip.stored(byteOrder.name(), "byte order"))).toString();
            if (!order.equals("little")) {
                throw new WeightsException(path + ": storages are stored '" + order + "'-endian; only little-endian "
                        + "checkpoints are supported");
            }
        }
        ByteBuffer pickle = map(path, channel, zip.stored(prefix + "data.pkl", "the pickled state dict"));
        TorchPickleResolver resolver = new TorchPickleResolver(path.toString(), false, classReferences);
        Object root = new RestrictedUnpickler(path.toString(), pickle, resolver).load();
        Map<String, Location> locations = new LinkedHashMap<>();
        for (TorchTensorRef.Storage s : resolver.storages().values()) {
            StoredZip.Entry e = zip.stored(prefix + "data/" + s.key(), "bytes of storage '" + s.key() + "'");
            locations.put(s.key(), new Location(e.dataOffset(), e.size()));
        }
        return new Parsed(root, locations);
    }

    /** The one top-level folder that holds data.pkl (torch names it after the file, e.g. "archive/"). */
    private static String archivePrefix(Path path, StoredZip zip) {
        List<String> pickles = zip.entries().keySet().stream()
                .filter(n -> n.endsWith("/data.pkl") && n.indexOf('/') == n.length() - "/data.pkl".length())
                .toList();
        if (pickles.size() != 1) {
            throw new WeightsException(path + ": not a torch.save checkpoint: expected one '<archive>/data.pkl' record, found "
                    + (pickles.isEmpty() ? "none" : pickles));
        }
        return pickles.get(0).substring(0, pickles.get(0).length() - "data.pkl".length());
    }

    /**
     * The pre-1.6 format: pickles of the magic number, protocol version and system info, the state dict, and
     * the list of storage keys; then each storage in that order as an int64 element count and its bytes.
     */
    private static Parsed readLegacy(Path path, FileChannel channel, boolean classReferences) throws IOException {
        long size = channel.size();
        ByteBuffer head = channel.map(FileChannel.MapMode.READ_ONLY, 0, Math.min(size, Integer.MAX_VALUE));
        String source = path.toString();
        TorchPickleResolver resolver = new TorchPickleResolver(source, true, classReferences);
        Object magic = new RestrictedUnpickler(source, head, resolver).load();
        if (!LEGACY_MAGIC.equals(magic instanceof Long l ? BigInteger.valueOf(l) : magic)) {
            throw new WeightsException(path + ": not a PyTorch checkpoint: a pickle, but not one written by torch.save");
        }
        Object protocol = new RestrictedUnpickler(source, head, resolver).load();
        if (!Long.valueOf(LEGACY_PROTOCOL).equals(protocol)) {
            throw new WeightsException(path + ": unsupported legacy torch.save protocol "
                    + RestrictedUnpickler.describe(protocol) + " (expected " + LEGACY_PROTOCOL + ")");
        }
        Object sysInfo = new RestrictedUnpickler(source, head, resolver).load();
        if (!(sysInfo instanceof Map<?, ?> info) || !Boolean.TRUE.equals(info.get("little_endian"))) {
            throw new WeightsException(path + ": legacy checkpoint is not little-endian (system info "
                    + RestrictedUnpickler.describe(sysInfo) + ")");
        }
        Object root = new RestrictedUnpickler(source, head, resolver).load();
        Object keys = new RestrictedUnpickler(source, head, resolver).load();
        if (!(keys instanceof List<?> keyList)) {
            throw new WeightsException(path + ": legacy checkpoint: expected the list of storage keys after the state dict");
        }
        Map<String, Location> locations = new LinkedHashMap<>();
        long pos = head.position();
        for (Object key : keyList) {
            if (!(key instanceof String)) {
                throw new WeightsException(path + ": legacy checkpoint: storage key " + RestrictedUnpickler.describe(key)
                        + " is not a string");
            }
            TorchTensorRef.Storage s = resolver.storages().get(key);
            if (s == null) {
                throw new WeightsException(path + ": legacy checkpoint lists storage '" + key + "' that no tensor uses");
            }
            if (pos + 8 > size) {
                throw new WeightsException(path + ": truncated: storage '" + key + "' starts past the end of the file");
            }
            ByteBuffer count = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
            channel.read(count, pos);
            long numel = count.flip().getLong();
            if (numel != s.numel()) {
                throw new WeightsException(path + ": storage '" + key + "' holds " + numel + " elements, the state dict says "
                        + s.numel());
            }
            long bytes = Math.multiplyExact(numel, s.type().bytes());
            locations.put(s.key(), new Location(pos + 8, bytes));
            pos += 8 + bytes;
            if (pos > size) {
                throw new WeightsException(path + ": truncated: storage '" + key + "' runs past the end of the "
                        + size + "-byte file");
            }
        }
        return new Parsed(root, locations);
    }

    /** Where a storage's bytes lie in the file. */
    record Location(long offset, long bytes) {
    }

    /**
     * The tensors of a state dict (name → tensor) found at {@code where} ("" for the root, else e.g. "['model']"),
     * each mapped from its storage.
     */
    static Map<String, RawTensor> tensors(Path path, FileChannel channel, Object root, Map<String, Location> locations,
                                          String where) throws IOException {
        String at = where.isEmpty() ? "" : " at " + where;
        if (!(root instanceof Map<?, ?> dict)) {
            throw new WeightsException(path + ": expected a state dict (name → tensor)" + at + ", found "
                    + typeName(root));
        }
        Map<String, RawTensor> out = new LinkedHashMap<>();
        for (Map.Entry<?, ?> e : dict.entrySet()) {
            if (!(e.getKey() instanceof String name) || !(e.getValue() instanceof TorchTensorRef t)) {
                throw new WeightsException(path + ": expected a state dict (name → tensor)" + at + ", found entry '"
                        + e.getKey() + "' holding " + typeName(e.getValue()));
            }
            out.put(name, rawTensor(path, channel, name, t, locations.get(t.storage().key())));
        }
        return out;
    }

    /** What a pickled value is, for messages: None, a class reference by name, else its Java type. */
    static String typeName(Object o) {
        if (o == null) {
            return "None";
        }
        return o instanceof TorchPickleResolver.ClassReference c ? "class " + c : o.getClass().getSimpleName();
    }

    static RawTensor rawTensor(Path path, FileChannel channel, String name, TorchTensorRef t, Location where)
            throws IOException {
        String what = path + ": tensor '" + name + "' (" + t + ")";
        if (where == null) {
            throw new WeightsException(what + ": the file holds no bytes for its storage");
        }
        int width = t.storage().type().bytes();
        long storageBytes;
        long end;
        long count;
        try {
            storageBytes = Math.multiplyExact(t.storage().numel(), width);
            end = t.endElement();
            count = t.elementCount();
            Math.multiplyExact(count, width);
        } catch (ArithmeticException e) {
            throw new WeightsException(what + ": sizes overflow 64-bit arithmetic");
        }
        if (where.bytes() < storageBytes) {
            throw new WeightsException(what + ": storage record holds " + where.bytes() + " bytes, needs " + storageBytes);
        }
        if (end > t.storage().numel()) {
            throw new WeightsException(what + ": view reaches element " + end + " of a " + t.storage().numel()
                    + "-element storage");
        }
        long viewBytes = (end - t.offset()) * width;
        if (viewBytes > Integer.MAX_VALUE) {
            throw new WeightsException(what + ": " + viewBytes + " bytes exceed the 2 GiB a single tensor may map");
        }
        ByteBuffer data = viewBytes == 0 ? ByteBuffer.allocate(0)
                : channel.map(FileChannel.MapMode.READ_ONLY, where.offset() + t.offset() * width, viewBytes);
        if (!t.contiguous()) {
            data = gather(data, t, width);
        }
        return new RawTensor(name, t.storage().type(), t.shape(), data, path.toString());
    }

    /** Copies a strided (non-contiguous) view into a new C-order buffer; {@code view} starts at the view's offset. */
    private static ByteBuffer gather(ByteBuffer view, TorchTensorRef t, int width) {
        long[] shape = t.shape();
        long[] stride = t.stride();
        ByteBuffer out = ByteBuffer.allocateDirect(Math.toIntExact(t.elementCount() * width));
        long[] index = new long[shape.length];
        byte[] element = new byte[width];
        for (long n = t.elementCount(); n > 0; n--) {
            long at = 0;
            for (int d = 0; d < shape.length; d++) {
                at += index[d] * stride[d];
            }
            view.get(Math.toIntExact(at * width), element);
            out.put(element);
            for (int d = shape.length - 1; d >= 0 && ++index[d] == shape[d]; d--) {
                index[d] = 0;
            }
        }
        return out.flip();
    }

    private static ByteBuffer map(Path path, FileChannel channel, StoredZip.Entry e) throws IOException {
        if (e.size() > Integer.MAX_VALUE) {
            throw new WeightsException(path + ": record '" + e.name() + "' of " + e.size() + " bytes is too large");
        }
        return channel.map(FileChannel.MapMode.READ_ONLY, e.dataOffset(), e.size());
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
        return Map.of();
    }

    @Override
    public void close() {
        SafetensorsFile.closeQuietly(channel);
    }
}
