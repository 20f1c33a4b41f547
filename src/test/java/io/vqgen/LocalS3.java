package io.vqgen;

import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.gaul.s3proxy.AuthenticationType;
import org.gaul.s3proxy.S3Proxy;
import org.jclouds.ContextBuilder;
import org.jclouds.blobstore.BlobStoreContext;

import java.io.IOException;
import java.net.URI;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * An S3-compatible server for tests: s3proxy over an in-memory blob store on 127.0.0.1 (a free port), with one
 * bucket, reached through Hadoop's real S3A connector with {@link #hadoopSettings()}.
 */
public final class LocalS3 implements AutoCloseable {
    public static final String ACCESS = "test-access";
    public static final String SECRET = "s3cr3t-value";

    private final BlobStoreContext blobs;
    private final S3Proxy proxy;
    private final String bucket;

    private LocalS3(BlobStoreContext blobs, S3Proxy proxy, String bucket) {
        this.blobs = blobs;
        this.proxy = proxy;
        this.bucket = bucket;
    }

    public static LocalS3 start(String bucket) throws Exception {
        BlobStoreContext blobs = ContextBuilder.newBuilder("transient").credentials("local", "local")
                .build(BlobStoreContext.class);
        blobs.getBlobStore().createContainerInLocation(null, bucket);
        S3Proxy proxy = S3Proxy.builder().blobStore(blobs.getBlobStore()).endpoint(URI.create("http://127.0.0.1:0"))
                .awsAuthentication(AuthenticationType.AWS_V2_OR_V4, ACCESS, SECRET)
                // the AWS SDK sends checksum headers that s3proxy does not know
                .ignoreUnknownHeaders(true).build();
        proxy.start();
        for (int i = 0; i < 200 && !"STARTED".equals(proxy.getState()); i++) {
            Thread.sleep(25);
        }
        return new LocalS3(blobs, proxy, bucket);
    }

    public int port() {
        return proxy.getPort();
    }

    /** {@code s3a://<bucket>/<path>} */
    public String uri(String path) {
        return "s3a://" + bucket + "/" + path;
    }

    /** The S3A settings (Hadoop keys) that reach this server at {@code endpoint}'s port. */
    public Map<String, String> hadoopSettings(int endpointPort) {
        Map<String, String> s = new LinkedHashMap<>();
        s.put("fs.s3a.endpoint", "http://127.0.0.1:" + endpointPort);
        s.put("fs.s3a.endpoint.region", "us-east-1");
        s.put("fs.s3a.path.style.access", "true");
        s.put("fs.s3a.connection.ssl.enabled", "false");
        s.put("fs.s3a.aws.credentials.provider", "org.apache.hadoop.fs.s3a.SimpleAWSCredentialsProvider");
        s.put("fs.s3a.access.key", ACCESS);
        s.put("fs.s3a.secret.key", SECRET);
        // each test's settings, not a FileSystem instance cached from another test with another endpoint
        s.put("fs.s3a.impl.disable.cache", "true");
        return s;
    }

    public Map<String, String> hadoopSettings() {
        return hadoopSettings(port());
    }

    /** The same settings as job-file keys ({@code spark.hadoop.} prefix). */
    public Map<String, String> jobSettings() {
        Map<String, String> s = new LinkedHashMap<>();
        hadoopSettings().forEach((k, v) -> s.put("spark.hadoop." + k, v));
        return s;
    }

    public Configuration conf() {
        Configuration conf = new Configuration();
        hadoopSettings().forEach(conf::set);
        return conf;
    }

    public FileSystem fs() throws IOException {
        return new Path(uri("")).getFileSystem(conf());
    }

    /** Uploads a local folder (recursively) to {@code s3a://<bucket>/<path>}. */
    public void upload(java.nio.file.Path local, String path) throws IOException {
        fs().copyFromLocalFile(false, true, new Path(local.toUri()), new Path(uri(path)));
    }

    @Override
    public void close() throws Exception {
        proxy.stop();
        blobs.close();
    }
}
