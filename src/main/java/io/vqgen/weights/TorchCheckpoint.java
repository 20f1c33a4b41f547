package io.vqgen.weights;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * A training checkpoint written by {@code torch.save}: nested plain containers (dicts, lists, tuples, numbers,
 * strings) holding state dicts and other tensors, e.g. {@code {"model": …, "ema": …, "optimizer_and_scheduler": …,
 * "last_epoch": 9}} or PyTorch Lightning's {@code {"state_dict": …, "callbacks": …, "optimizer_states": …}}; or a
 * single tensor.
 *
 * <p>Read with the same restricted reader as {@link TorchBinFile}: only torch's state-dict types are ever built. A
 * class named where a plain value is expected (Lightning keys callback states by class) stays an inert name; a
 * call or BUILD of anything outside the allow-list is refused. Only the parts asked for are turned into tensors:
 * optimizer state and everything else the caller does not ask for is parsed as structure and never mapped.
 */
public final class TorchCheckpoint implements AutoCloseable {
    private final Path path;
    private final FileChannel channel;
    private final TorchBinFile.Parsed parsed;

    private TorchCheckpoint(Path path, FileChannel channel, TorchBinFile.Parsed parsed) {
        this.path = path;
        this.channel = channel;
        this.parsed = parsed;
    }

    public static TorchCheckpoint open(Path path) {
        FileChannel channel = SafetensorsFile.openChannel(path);
        try {
            return new TorchCheckpoint(path, channel, TorchBinFile.parse(path, channel, true));
        } catch (IOException e) {
            SafetensorsFile.closeQuietly(channel);
            throw new WeightsException(path + ": read failed: " + e.getMessage(), e);
        } catch (RuntimeException e) {
            SafetensorsFile.closeQuietly(channel);
            throw e;
        }
    }

    public Path path() {
        return path;
    }

    /** The string keys of the top-level dict, in file order (empty when the root is not a dict). */
    public List<String> keys() {
        List<String> out = new ArrayList<>();
        if (parsed.root() instanceof Map<?, ?> m) {
            m.keySet().forEach(k -> {
                if (k instanceof String s) {
                    out.add(s);
                }
            });
        }
        return out;
    }

    public boolean has(String key) {
        return parsed.root() instanceof Map<?, ?> m && m.containsKey(key);
    }

    /** The top-level entry {@code key}, which must be a state dict (name → tensor). */
    public Map<String, RawTensor> stateDict(String key) {
        Object value = entry(key, "a state dict (name → tensor)");
        return read(() -> TorchBinFile.tensors(path, channel, value, parsed.locations(), "['" + key + "']"));
    }

    /** The whole file as a state dict: the root must map names to tensors. */
    public Map<String, RawTensor> rootStateDict() {
        return read(() -> TorchBinFile.tensors(path, channel, parsed.root(), parsed.locations(), ""));
    }

    /** The file's root as one tensor (e.g. {@code torch.save(torch.tensor([...]))}). */
    public RawTensor rootTensor(String name) {
        if (!(parsed.root() instanceof TorchTensorRef t)) {
            throw new WeightsException(path + ": expected a single saved tensor, found "
                    + TorchBinFile.typeName(parsed.root()));
        }
        return read(() -> TorchBinFile.rawTensor(path, channel, name, t, parsed.locations().get(t.storage().key())));
    }

    /** A top-level integer (e.g. the epoch), or null when the key is absent or holds something else. */
    public Long integer(String key) {
        return parsed.root() instanceof Map<?, ?> m && m.get(key) instanceof Long l ? l : null;
    }

    private Object entry(String key, String expected) {
        if (!(parsed.root() instanceof Map<?, ?> m)) {
            throw new WeightsException(path + ": expected a dict with '" + key + "' holding " + expected + ", found "
                    + TorchBinFile.typeName(parsed.root()));
        }
        if (!m.containsKey(key)) {
            throw new WeightsException(path + ": no '" + key + "' entry (expected " + expected + "; the file has "
                    + keys() + ")");
        }
        return m.get(key);
    }

    private interface Reader<T> {
        T read() throws IOException;
    }

    private <T> T read(Reader<T> reader) {
        try {
            return reader.read();
        } catch (IOException e) {
            throw new WeightsException(path + ": read failed: " + e.getMessage(), e);
        }
    }

    @Override
    public void close() {
        SafetensorsFile.closeQuietly(channel);
    }
}
