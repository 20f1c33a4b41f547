package io.vqgen.deploy;

import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.s3a.AWSCredentialProviderList;
import org.apache.hadoop.fs.s3a.auth.CredentialProviderListFactory;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.auth.credentials.AwsCredentials;
import software.amazon.awssdk.auth.credentials.WebIdentityTokenFileCredentialsProvider;

import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Every class the Spark settings and deploy files name is there: they fail only at run time on a cluster
 * otherwise (a committer, a credentials provider, the main class). The cluster jar's own contents are checked
 * with {@code mvn -Pcluster,gpu package} and {@code jar tf} (deploy/README.md, section 1).
 */
class ConfiguredClassesTest {
    /** A fully qualified class name outside a comment: package segments in lower case, then the class. */
    private static final Pattern CLASS_NAME =
            Pattern.compile("\\b(?:org|io|software|com|ai)(?:\\.[a-z0-9_]+)+\\.[A-Z][A-Za-z0-9_]*\\b");

    @Test
    void everyClassNamedInConfAndDeployLoads() throws IOException {
        Map<String, String> named = new TreeMap<>();
        List<Path> files;
        try (Stream<Path> conf = Files.walk(Scripts.ROOT.resolve("conf"));
             Stream<Path> deploy = Files.walk(Scripts.ROOT.resolve("deploy"))) {
            files = Stream.concat(conf, deploy).filter(Files::isRegularFile)
                    .filter(p -> !p.toString().endsWith(".md")).sorted().toList();
        }
        for (Path f : files) {
            for (String line : Files.readAllLines(f, StandardCharsets.UTF_8)) {
                String code = line.strip();
                if (code.startsWith("#") || code.startsWith("//")) {
                    continue; // comments may name optional classes (conf/s3a.properties' magic committer)
                }
                Matcher m = CLASS_NAME.matcher(code);
                while (m.find()) {
                    named.putIfAbsent(m.group(), Scripts.ROOT.relativize(f).toString());
                }
            }
        }
        assertTrue(named.containsKey("io.vqgen.job.GenerateJob"), "classes found: " + named);
        assertTrue(named.containsKey("software.amazon.awssdk.auth.credentials.WebIdentityTokenFileCredentialsProvider"),
                "classes found: " + named);
        Map<String, String> missing = new TreeMap<>();
        named.forEach((name, file) -> {
            try {
                Class.forName(name, false, getClass().getClassLoader());
            } catch (ClassNotFoundException e) {
                missing.put(name, file);
            }
        });
        assertEquals(Map.of(), missing, "classes named in conf/ or deploy/ that are not on the class path");
    }

    @Test
    void s3aBuildsTheConfiguredProviderChainAndItsFirstProviderWithCredentialsWins() throws IOException {
        String chain = DeployYamlTest.sparkDefaults().get("spark.hadoop.fs.s3a.aws.credentials.provider");
        Configuration conf = new Configuration(false);
        conf.set("fs.s3a.aws.credentials.provider", chain);
        conf.set("fs.s3a.access.key", "AKIAEXAMPLE");
        conf.set("fs.s3a.secret.key", "example-secret");
        // S3A's own factory: it accepts each class (v2 SDK providers through their create() method), and the web
        // identity provider, which has no token here, neither fails the chain's construction nor its lookup.
        try (AWSCredentialProviderList providers =
                     CredentialProviderListFactory.createAWSCredentialProviderList(URI.create("s3a://bucket/"), conf)) {
            assertEquals(5, providers.size(), providers.toString());
            assertTrue(providers.getProviders().stream().anyMatch(p -> p instanceof WebIdentityTokenFileCredentialsProvider),
                    providers.toString());
            AwsCredentials credentials = providers.resolveCredentials();
            assertEquals("AKIAEXAMPLE", credentials.accessKeyId());
        }
    }
}
