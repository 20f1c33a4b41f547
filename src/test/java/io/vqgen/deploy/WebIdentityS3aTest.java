package io.vqgen.deploy;

import com.sun.net.httpserver.HttpServer;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FSDataOutputStream;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.gaul.s3proxy.AuthenticationType;
import org.gaul.s3proxy.S3Proxy;
import org.jclouds.ContextBuilder;
import org.jclouds.blobstore.BlobStoreContext;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * EKS IRSA end to end on loopback: a pod of an annotated service account gets AWS_ROLE_ARN and
 * AWS_WEB_IDENTITY_TOKEN_FILE (here the SDK's equivalent system properties); S3A, configured with the provider
 * chain of conf/spark-defaults.conf and no keys, exchanges the token at STS (AssumeRoleWithWebIdentity, a fake
 * STS on 127.0.0.1) for session credentials and uses them against an S3 server (s3proxy) that accepts only
 * those. With S3A's default chain the same setup has no credentials (see the last assertion).
 */
class WebIdentityS3aTest {
    private static final String ROLE = "arn:aws:iam::123456789012:role/vqgen-s3";
    private static final String ACCESS = "ASIAIRSAEXAMPLE";
    private static final String SECRET = "irsa-session-secret";

    @Test
    void s3aUsesTheWebIdentityTokenThroughTheConfiguredChain(@TempDir java.nio.file.Path dir) throws Exception {
        assumeTrue(System.getenv("AWS_ACCESS_KEY_ID") == null && System.getenv("AWS_WEB_IDENTITY_TOKEN_FILE") == null,
                "AWS credentials in this process's environment would be used first: not run");
        java.nio.file.Path token = Files.writeString(dir.resolve("token"), "eyJhbGciOiJSUzI1NiJ9.projected-sa-token.sig");
        List<Map<String, String>> stsCalls = new CopyOnWriteArrayList<>();
        HttpServer sts = fakeSts(stsCalls);
        BlobStoreContext blobs = ContextBuilder.newBuilder("transient").credentials("local", "local")
                .build(BlobStoreContext.class);
        blobs.getBlobStore().createContainerInLocation(null, "vqgen");
        S3Proxy s3 = S3Proxy.builder().blobStore(blobs.getBlobStore()).endpoint(URI.create("http://127.0.0.1:0"))
                .awsAuthentication(AuthenticationType.AWS_V2_OR_V4, ACCESS, SECRET).ignoreUnknownHeaders(true).build();
        Map<String, String> properties = Map.of(
                "aws.webIdentityTokenFile", token.toString(),
                "aws.roleArn", ROLE,
                "aws.roleSessionName", "vqgen-executor",
                "aws.region", "us-east-1",
                // The chain's last provider asks the EC2 instance metadata endpoint (a link-local address, not
                // loopback): switched off, so that it fails at once without sending anything.
                "aws.disableEc2Metadata", "true",
                "aws.endpointUrlSts", "http://127.0.0.1:" + sts.getAddress().getPort());
        try {
            s3.start();
            for (int i = 0; i < 100 && !"STARTED".equals(s3.getState()); i++) {
                Thread.sleep(50);
            }
            properties.forEach(System::setProperty);
            Configuration conf = s3aConf(s3.getPort());
            conf.set("fs.s3a.aws.credentials.provider",
                    DeployYamlTest.sparkDefaults().get("spark.hadoop.fs.s3a.aws.credentials.provider"));
            try (FileSystem fs = FileSystem.newInstance(URI.create("s3a://vqgen/"), conf)) {
                Path summary = new Path("s3a://vqgen/generated/runs/irsa.json");
                try (FSDataOutputStream out = fs.create(summary, true)) {
                    out.write("{\"status\" : \"succeeded\"}".getBytes(StandardCharsets.UTF_8));
                }
                try (InputStream in = fs.open(summary)) {
                    assertEquals("{\"status\" : \"succeeded\"}", new String(in.readAllBytes(), StandardCharsets.UTF_8));
                }
            }
            assertTrue(stsCalls.size() >= 1, "STS was never asked");
            Map<String, String> call = stsCalls.get(0);
            assertEquals("AssumeRoleWithWebIdentity", call.get("Action"));
            assertEquals(ROLE, call.get("RoleArn"));
            assertEquals(Files.readString(token), call.get("WebIdentityToken"));

            // S3A's default chain (no fs.s3a.aws.credentials.provider) has no web identity provider.
            Configuration defaults = s3aConf(s3.getPort());
            defaults.unset("fs.s3a.aws.credentials.provider");
            defaults.set("fs.s3a.retry.limit", "1");
            defaults.set("fs.s3a.attempts.maximum", "1");
            Exception noCredentials = org.junit.jupiter.api.Assertions.assertThrows(Exception.class, () -> {
                try (FileSystem fs = FileSystem.newInstance(URI.create("s3a://vqgen/"), defaults)) {
                    fs.getFileStatus(new Path("s3a://vqgen/generated/runs/irsa.json"));
                }
            });
            assertTrue(String.valueOf(noCredentials).contains("redential"), String.valueOf(noCredentials));
        } finally {
            properties.keySet().forEach(System::clearProperty);
            s3.stop();
            blobs.close();
            sts.stop(0);
        }
    }

    private static Configuration s3aConf(int port) {
        Configuration conf = new Configuration();
        conf.set("fs.s3a.endpoint", "http://127.0.0.1:" + port);
        conf.set("fs.s3a.endpoint.region", "us-east-1");
        conf.set("fs.s3a.path.style.access", "true");
        conf.set("fs.s3a.connection.ssl.enabled", "false");
        conf.setBoolean("fs.s3a.impl.disable.cache", true);
        return conf;
    }

    /** STS's AssumeRoleWithWebIdentity (form-encoded POST, XML answer), recording each call's parameters. */
    private static HttpServer fakeSts(List<Map<String, String>> calls) throws java.io.IOException {
        HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/", exchange -> {
            String body = new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
            Map<String, String> params = new java.util.TreeMap<>();
            for (String pair : body.split("&")) {
                int eq = pair.indexOf('=');
                if (eq > 0) {
                    params.put(URLDecoder.decode(pair.substring(0, eq), StandardCharsets.UTF_8),
                            URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8));
                }
            }
            calls.add(params);
            byte[] answer = """
                    <AssumeRoleWithWebIdentityResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/">
                      <AssumeRoleWithWebIdentityResult>
                        <Credentials>
                          <AccessKeyId>%s</AccessKeyId>
                          <SecretAccessKey>%s</SecretAccessKey>
                          <SessionToken>irsa-session-token</SessionToken>
                          <Expiration>2099-01-01T00:00:00Z</Expiration>
                        </Credentials>
                        <SubjectFromWebIdentityToken>system:serviceaccount:vqgen:spark</SubjectFromWebIdentityToken>
                        <AssumedRoleUser>
                          <Arn>arn:aws:sts::123456789012:assumed-role/vqgen-s3/vqgen-executor</Arn>
                          <AssumedRoleId>AROAEXAMPLE:vqgen-executor</AssumedRoleId>
                        </AssumedRoleUser>
                      </AssumeRoleWithWebIdentityResult>
                      <ResponseMetadata><RequestId>1</RequestId></ResponseMetadata>
                    </AssumeRoleWithWebIdentityResponse>
                    """.formatted(ACCESS, SECRET).getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().add("Content-Type", "text/xml");
            exchange.sendResponseHeaders(200, answer.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(answer);
            }
        });
        server.start();
        return server;
    }
}
