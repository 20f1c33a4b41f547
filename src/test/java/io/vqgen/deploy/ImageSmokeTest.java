package io.vqgen.deploy;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.File;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The image without Docker: its launcher and smoke test run against an image-like layout, and its Dockerfile
 * copies only what exists and what .dockerignore sends, to the places the rest of the kit names.
 */
class ImageSmokeTest {
    private static final Path DOCKERFILE = Scripts.ROOT.resolve("deploy/docker/Dockerfile");
    /** The jar the Dockerfile copies: built by mvn -Pcluster,gpu package, not by the tests. */
    private static final String CLUSTER_JAR = "target/vqgen-cluster-gpu.jar";

    @Test
    void smokeTestPassesThroughTheLauncherOnTheClustersClassPath(@TempDir Path dir) throws Exception {
        // SPARK_HOME/jars as in the image: Spark's jars (here every jar Maven resolved for the tests, CPU libtorch
        // included) plus a vqgen-cluster jar holding the project's classes.
        Path jars = Files.createDirectories(dir.resolve("spark/jars"));
        int i = 0;
        for (String entry : System.getProperty("java.class.path").split(File.pathSeparator)) {
            Path p = Path.of(entry);
            if (entry.endsWith(".jar") && Files.isRegularFile(p)) {
                Files.createSymbolicLink(jars.resolve(String.format("%03d-%s", i++, p.getFileName())), p.toAbsolutePath());
            }
        }
        jar(Scripts.ROOT.resolve("target/classes"), jars.resolve("vqgen-cluster-test.jar"));
        Map<String, String> env = new LinkedHashMap<>();
        env.put("SPARK_HOME", dir.resolve("spark").toString());
        env.put("TMPDIR", Files.createDirectories(dir.resolve("tmp")).toString());
        // One libtorch thread and a small heap: the machine running the tests is shared.
        env.put("VQGEN_JAVA_OPTS", "-Xmx2g -Dai.djl.pytorch.num_threads=1 -Dai.djl.pytorch.num_interop_threads=1");
        Scripts.Result r;
        try {
            r = Scripts.run(dir, env, 900, Scripts.ROOT.resolve("deploy/docker/smoke-test").toString());
        } finally {
            try (Stream<Path> links = Files.list(jars)) {
                for (Path link : links.toList()) {
                    Files.delete(link); // the links, never the jars in the Maven repository they point at
                }
            }
        }
        String last = r.output().strip().lines().reduce((a, b) -> b).orElse("");
        assertEquals(0, r.exitCode(), r.output());
        assertEquals("smoke test passed (cpu)", last, r.output());
        try (Stream<Path> left = Files.list(dir.resolve("tmp"))) {
            assertTrue(left.findAny().isEmpty(), "the smoke test cleans up after itself");
        }
    }

    @Test
    void launcherSaysWhatIsMissing(@TempDir Path dir) throws Exception {
        Files.createDirectories(dir.resolve("spark/jars"));
        Scripts.Result r = Scripts.run(dir, Map.of("SPARK_HOME", dir.resolve("spark").toString()), 30,
                Scripts.ROOT.resolve("deploy/docker/vqgen").toString(), "--help");
        assertEquals(2, r.exitCode(), r.output());
        assertTrue(r.output().contains("no vqgen-cluster*.jar in " + dir.resolve("spark/jars")), r.output());
    }

    @Test
    void dockerfileCopiesExistingFilesThatDockerignoreSendsToWhereTheKitLooks() throws IOException {
        Map<String, String> installed = installedFiles();
        List<String> allowed = Files.readAllLines(Scripts.ROOT.resolve(".dockerignore")).stream()
                .filter(l -> l.startsWith("!")).map(l -> l.substring(1)).toList();
        for (String source : installed.values()) {
            assertTrue(allowed.stream().anyMatch(a -> a.equals(source) || (a.endsWith("/") && source.startsWith(a))),
                    source + " is copied by the Dockerfile but .dockerignore keeps it out of the build context");
            assertTrue(source.equals(CLUSTER_JAR) || Files.exists(Scripts.ROOT.resolve(source)), source + " does not exist");
        }
        // Every /opt/vqgen path the kit names (scripts, manifests, Spark settings, the DAG) is installed.
        Pattern imagePath = Pattern.compile("/opt/vqgen/[A-Za-z0-9._/-]*[A-Za-z0-9]");
        Map<String, String> missing = new TreeMap<>();
        for (Path f : kitFiles()) {
            Matcher m = imagePath.matcher(Files.readString(f, StandardCharsets.UTF_8));
            while (m.find()) {
                String path = m.group();
                boolean isFolder = installed.keySet().stream().anyMatch(k -> k.startsWith(path + "/"));
                if (!installed.containsKey(path) && !isFolder && !path.startsWith("/opt/vqgen/models")) {
                    missing.put(path, Scripts.ROOT.relativize(f).toString());
                }
            }
        }
        assertEquals(Map.of(), missing, "paths in the image that the Dockerfile does not install");
        assertTrue(installed.containsKey("/opt/vqgen/conf/spark-defaults.conf"), installed.keySet().toString());
        assertTrue(installed.keySet().stream().noneMatch(k -> k.startsWith("/opt/spark/conf")),
                "nothing into /opt/spark/conf: Spark's config map hides it in pods");
    }

    /** Image path -> repository path of every file the Dockerfile's COPY instructions install. */
    private static Map<String, String> installedFiles() throws IOException {
        String text = Files.readString(DOCKERFILE).replace("\\\n", " ");
        Map<String, String> installed = new TreeMap<>();
        for (String line : text.lines().map(String::strip).filter(l -> l.startsWith("COPY ")).toList()) {
            List<String> words = new ArrayList<>(List.of(line.substring(5).strip().split("\\s+")));
            words.removeIf(w -> w.startsWith("--"));
            String dest = words.remove(words.size() - 1);
            for (String source : words) {
                Path src = Scripts.ROOT.resolve(source);
                if (source.endsWith("/") && Files.isDirectory(src)) {
                    try (Stream<Path> files = Files.walk(src)) {
                        files.filter(Files::isRegularFile).forEach(f ->
                                installed.put(dest + src.relativize(f), Scripts.ROOT.relativize(f).toString()));
                    }
                    installed.put(dest.replaceAll("/$", ""), source);
                } else {
                    installed.put(dest.endsWith("/") ? dest + Path.of(source).getFileName() : dest, source);
                }
            }
        }
        return installed;
    }

    private static List<Path> kitFiles() throws IOException {
        try (Stream<Path> deploy = Files.walk(Scripts.ROOT.resolve("deploy"));
             Stream<Path> conf = Files.walk(Scripts.ROOT.resolve("conf"))) {
            return Stream.concat(deploy, conf).filter(Files::isRegularFile)
                    .filter(p -> !p.endsWith("Dockerfile") && !p.toString().endsWith(".md")).sorted().toList();
        }
    }

    private static void jar(Path classes, Path jar) throws IOException {
        try (OutputStream out = Files.newOutputStream(jar); JarOutputStream zip = new JarOutputStream(out);
             Stream<Path> files = Files.walk(classes)) {
            for (Path f : files.filter(Files::isRegularFile).sorted().toList()) {
                zip.putNextEntry(new JarEntry(classes.relativize(f).toString().replace(File.separatorChar, '/')));
                Files.copy(f, zip);
                zip.closeEntry();
            }
        }
    }
}
