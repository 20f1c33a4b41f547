package io.vqgen.weights;

import java.io.IOException;
import java.io.InputStream;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/** A model folder on the local disk. */
public record LocalModelFiles(Path dir) implements ModelFiles {
    @Override
    public String location() {
        return dir.toString();
    }

    @Override
    public List<Entry> list() throws IOException {
        List<Entry> out = new ArrayList<>();
        try (Stream<Path> walk = Files.walk(dir)) {
            for (Path f : walk.filter(Files::isRegularFile).sorted().toList()) {
                out.add(new Entry(dir.relativize(f).toString().replace('\\', '/'), Files.size(f)));
            }
        }
        return out;
    }

    @Override
    public InputStream open(String path, long offset) throws IOException {
        FileChannel channel = FileChannel.open(dir.resolve(path));
        channel.position(offset);
        return Channels.newInputStream(channel);
    }
}
