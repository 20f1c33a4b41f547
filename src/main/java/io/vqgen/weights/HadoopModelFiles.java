package io.vqgen.weights;

import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FSDataInputStream;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.LocatedFileStatus;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.fs.RemoteIterator;

import java.io.FileNotFoundException;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/** A model folder in a Hadoop file system (s3a://, hdfs://, …), read through its FileSystem client. */
public final class HadoopModelFiles implements ModelFiles {
    private final URI root;
    private final FileSystem fs;
    private final Path rootPath;

    public HadoopModelFiles(URI root, Configuration conf) throws IOException {
        this.root = root;
        this.rootPath = new Path(root);
        this.fs = rootPath.getFileSystem(conf);
    }

    @Override
    public String location() {
        return root.toString();
    }

    /**
     * @throws WeightsException when the folder does not exist or is a file
     */
    @Override
    public List<Entry> list() throws IOException {
        FileStatus status;
        try {
            status = fs.getFileStatus(rootPath);
        } catch (FileNotFoundException e) {
            throw new WeightsException(root + ": model folder not found (expected a diffusers pipeline folder with "
                    + "model_index.json)");
        }
        if (!status.isDirectory()) {
            throw new WeightsException(root + ": is a file, expected a diffusers pipeline folder with model_index.json");
        }
        String prefix = fs.makeQualified(rootPath).toUri().getPath();
        prefix = prefix.endsWith("/") ? prefix : prefix + "/";
        List<Entry> out = new ArrayList<>();
        RemoteIterator<LocatedFileStatus> files = fs.listFiles(rootPath, true);
        while (files.hasNext()) {
            LocatedFileStatus f = files.next();
            String path = f.getPath().toUri().getPath();
            if (!path.startsWith(prefix)) {
                throw new IOException(root + ": listed " + f.getPath() + " outside the folder");
            }
            out.add(new Entry(path.substring(prefix.length()), f.getLen()));
        }
        out.sort(Comparator.comparing(Entry::path));
        return out;
    }

    @Override
    public InputStream open(String path, long offset) throws IOException {
        FSDataInputStream in = fs.open(new Path(rootPath, path));
        if (offset > 0) {
            in.seek(offset);
        }
        return in;
    }
}
