package io.vqgen.weights;

import org.apache.hadoop.conf.Configuration;

import java.io.IOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Path;

/**
 * Where a model folder is, as a user gives it: a plain path or {@code file://} URI (a local folder), or a URI of
 * another Hadoop file system ({@code s3a://bucket/models/ithq}, {@code hdfs://…}), which is read through Hadoop's
 * client and copied into a local {@link ModelCache} before loading.
 *
 * @param text  what the user wrote, for messages and the manifest's {@code model} column
 * @param local the local folder (absolute), or null for a remote one
 * @param uri   the remote folder's URI, or null for a local one
 */
public record ModelLocation(String text, Path local, URI uri) {
    public static ModelLocation parse(String text) {
        if (text == null || text.isBlank()) {
            throw new WeightsException("model: no location given (expected a folder or an s3a://, hdfs:// or "
                    + "file:// URI)");
        }
        if (!text.matches("[A-Za-z][A-Za-z0-9+.-]*:.*") || text.matches("[A-Za-z]:[\\\\/].*")) {
            return new ModelLocation(text, Path.of(text).toAbsolutePath().normalize(), null);
        }
        URI uri;
        try {
            uri = new URI(text);
        } catch (URISyntaxException e) {
            throw new WeightsException("model " + text + ": not a valid URI (" + e.getReason() + ")");
        }
        if ("file".equals(uri.getScheme())) {
            return new ModelLocation(text, Path.of(uri).toAbsolutePath().normalize(), null);
        }
        if (uri.getPath() == null || uri.getPath().isEmpty() || uri.getPath().equals("/")) {
            throw new WeightsException("model " + text + ": expected a folder inside the file system, e.g. "
                    + uri.getScheme() + "://bucket/models/ithq");
        }
        return new ModelLocation(text, null, uri);
    }

    public boolean isRemote() {
        return uri != null;
    }

    /** The folder's files, read in place. */
    public ModelFiles files(Configuration conf) {
        if (!isRemote()) {
            return new LocalModelFiles(local);
        }
        try {
            return new HadoopModelFiles(uri, conf);
        } catch (IOException e) {
            throw new WeightsException("model " + text + ": cannot reach its file system (" + e.getMessage() + ")");
        }
    }

    @Override
    public String toString() {
        return text;
    }
}
