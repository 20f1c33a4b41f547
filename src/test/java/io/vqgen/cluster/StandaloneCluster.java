package io.vqgen.cluster;

import io.vqgen.ChildJvm;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.jar.Attributes;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import java.util.jar.Manifest;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * A Spark standalone cluster on 127.0.0.1 made of Spark's own classes, for tests that need real executor JVMs:
 * one {@code Master} and N {@code Worker} JVMs, each worker advertising fake {@code gpu} addresses through its
 * own discovery script (the script prints the JSON Spark expects; there is no GPU, the point is Spark's
 * scheduling path). Applications are submitted with {@code SparkSubmit} in a separate driver JVM, so executors,
 * driver and daemons are all separate processes, as on a real cluster.
 *
 * <p>No Spark distribution is needed: {@code <dir>/spark-home/jars} links every jar of this JVM's class path
 * (Maven resolved them), which is all that a worker needs to launch executors
 * ({@code SPARK_HOME/jars/*}; {@code SPARK_SCALA_VERSION} is set because there is no launcher script to set
 * it). Classes from folders (target/classes, target/test-classes) are not linked; applications bring them in
 * their jar ({@link #appJar}).
 */
public final class StandaloneCluster implements AutoCloseable {
    private static final String HOST = "127.0.0.1";
    private static final String REGISTERED = "Successfully registered with master";

    private final Path dir;
    private final Path sparkHome;
    private final String masterUrl;
    private final List<Process> daemons = new ArrayList<>();
    private final List<Path> workerLogs = new ArrayList<>();
    private final Thread cleanup = new Thread(this::stopAll, "standalone-cluster-cleanup");
    private int drivers;

    private StandaloneCluster(Path dir, int masterPort) throws IOException {
        this.dir = dir;
        this.sparkHome = dir.resolve("spark-home");
        this.masterUrl = "spark://" + HOST + ":" + masterPort;
        Runtime.getRuntime().addShutdownHook(cleanup);
    }

    /**
     * Starts a master and {@code workers} workers (each with {@code coresPerWorker} cores, {@code memoryMb} MB
     * and {@code gpusPerWorker} fake GPUs numbered across the cluster: worker 0 has 0..g-1, worker 1 g..2g-1)
     * and waits until every worker has registered.
     */
    public static StandaloneCluster start(Path dir, int workers, int coresPerWorker, int memoryMb, int gpusPerWorker,
                                          Duration timeout) throws IOException, InterruptedException {
        Files.createDirectories(dir.resolve("logs"));
        StandaloneCluster c = new StandaloneCluster(dir, freePort());
        try {
            c.linkSparkHome();
            Path masterConf = c.write("master.properties", "spark.master.rest.enabled=false\n");
            c.daemons.add(c.launch("master", List.of("org.apache.spark.deploy.master.Master", "--host", HOST,
                    "--port", c.masterUrl.substring(c.masterUrl.lastIndexOf(':') + 1), "--webui-port", "0",
                    "--properties-file", masterConf.toString())));
            for (int w = 0; w < workers; w++) {
                Path script = c.gpuDiscoveryScript(w, gpusPerWorker);
                Path conf = c.write("worker-" + w + ".properties",
                        "spark.worker.resource.gpu.amount=" + gpusPerWorker + "\n"
                                + "spark.worker.resource.gpu.discoveryScript=" + script + "\n");
                // workers retry until the master is up, so all daemons start at once
                c.daemons.add(c.launch("worker-" + w, List.of("org.apache.spark.deploy.worker.Worker",
                        "--host", HOST, "--port", "0", "--webui-port", "0",
                        "--cores", Integer.toString(coresPerWorker), "--memory", memoryMb + "m",
                        "--work-dir", dir.resolve("work-" + w).toString(), "--properties-file", conf.toString(),
                        c.masterUrl)));
                c.workerLogs.add(dir.resolve("logs/worker-" + w + ".log"));
            }
            c.awaitWorkers(timeout);
            return c;
        } catch (IOException | InterruptedException | RuntimeException e) {
            c.close();
            throw e;
        }
    }

    public String masterUrl() {
        return masterUrl;
    }

    public Path dir() {
        return dir;
    }

    /**
     * Runs {@code SparkSubmit} (client mode) in a driver JVM of its own against this cluster and waits for it.
     *
     * @param conf Spark settings passed as {@code --conf k=v}
     * @return the driver's exit code and log
     */
    public Submission submit(String mainClass, Path appJar, Map<String, String> conf, List<String> args,
                             Duration timeout) throws IOException, InterruptedException {
        return launchDriver(mainClass, appJar, conf, args).await(timeout);
    }

    /** Starts {@code SparkSubmit} like {@link #submit} without waiting, for tests that act while it runs. */
    public Driver launchDriver(String mainClass, Path appJar, Map<String, String> conf, List<String> args)
            throws IOException {
        List<String> cmd = new ArrayList<>(List.of("org.apache.spark.deploy.SparkSubmit", "--master", masterUrl,
                "--deploy-mode", "client", "--class", mainClass,
                "--conf", "spark.driver.host=" + HOST, "--conf", "spark.driver.bindAddress=" + HOST,
                "--conf", "spark.ui.enabled=false"));
        conf.forEach((k, v) -> cmd.addAll(List.of("--conf", k + "=" + v)));
        cmd.add(appJar.toString());
        cmd.addAll(args);
        String name = "driver-" + (++drivers);
        return new Driver(launch(name, cmd), logOf(name), Instant.now());
    }

    /** A running driver JVM. */
    public static final class Driver {
        private final Process process;
        private final Path log;
        private final Instant started;

        private Driver(Process process, Path log, Instant started) {
            this.process = process;
            this.log = log;
            this.started = started;
        }

        public Submission await(Duration timeout) throws InterruptedException {
            if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                destroyTree(process.toHandle());
                throw new IllegalStateException("driver did not finish within " + timeout + "; log: " + log);
            }
            return new Submission(process.exitValue(), log, Duration.between(started, Instant.now()));
        }
    }

    /** The driver's exit code, its log, and how long the submission took. */
    public record Submission(int exitCode, Path log, Duration elapsed) {
        public String logTail(int lines) throws IOException {
            List<String> all = Files.readAllLines(log, StandardCharsets.ISO_8859_1);
            return String.join("\n", all.subList(Math.max(0, all.size() - lines), all.size()));
        }
    }

    /** Executor JVMs now running under the workers (they are the workers' child processes); kill one to test recovery. */
    public List<ProcessHandle> executors() {
        return daemons.stream().skip(1).flatMap(Process::descendants)
                .filter(p -> p.info().commandLine().orElse("").contains("CoarseGrainedExecutorBackend"))
                .collect(Collectors.toList());
    }

    /** A jar of the given class folders (e.g. target/classes, target/test-classes), as spark-submit ships it. */
    public Path appJar(String name, Path... classDirs) throws IOException {
        Path jar = dir.resolve(name);
        Manifest manifest = new Manifest();
        manifest.getMainAttributes().put(Attributes.Name.MANIFEST_VERSION, "1.0");
        try (JarOutputStream out = new JarOutputStream(Files.newOutputStream(jar), manifest)) {
            for (Path root : classDirs) {
                try (Stream<Path> files = Files.walk(root)) {
                    for (Path f : files.filter(Files::isRegularFile).sorted().toList()) {
                        out.putNextEntry(new JarEntry(root.relativize(f).toString().replace('\\', '/')));
                        Files.copy(f, out);
                        out.closeEntry();
                    }
                }
            }
        }
        return jar;
    }

    /** Last lines of every daemon and executor log, for a failure message. */
    public String diagnostics(int lines) throws IOException {
        StringBuilder sb = new StringBuilder();
        try (Stream<Path> logs = Files.walk(dir)) {
            for (Path log : logs.filter(p -> p.toString().endsWith(".log") || p.getFileName().toString().equals("stderr"))
                    .sorted().toList()) {
                List<String> all = Files.readAllLines(log, StandardCharsets.ISO_8859_1);
                sb.append("==> ").append(dir.relativize(log)).append('\n')
                        .append(String.join("\n", all.subList(Math.max(0, all.size() - lines), all.size()))).append('\n');
            }
        }
        return sb.toString();
    }

    @Override
    public void close() {
        stopAll();
        try {
            Runtime.getRuntime().removeShutdownHook(cleanup);
        } catch (IllegalStateException shuttingDown) {
            // the hook is running or has run
        }
    }

    private synchronized void stopAll() {
        for (int i = daemons.size() - 1; i >= 0; i--) {
            destroyTree(daemons.get(i).toHandle());
        }
        daemons.clear();
    }

    /** Children first (a worker's executors), then the process itself; waits so that ports and files are free. */
    private static void destroyTree(ProcessHandle p) {
        p.descendants().forEach(ProcessHandle::destroyForcibly);
        p.destroy();
        try {
            p.onExit().get(10, TimeUnit.SECONDS);
        } catch (Exception e) {
            p.destroyForcibly();
        }
    }

    private void linkSparkHome() throws IOException {
        Path jars = Files.createDirectories(sparkHome.resolve("jars"));
        Files.createDirectories(sparkHome.resolve("conf"));
        // Spark's INFO logs for the daemons (registration is read from them); WARN elsewhere keeps logs short
        Files.writeString(sparkHome.resolve("conf/log4j2.properties"), """
                rootLogger.level = warn
                rootLogger.appenderRef.stderr.ref = console
                appender.console.type = Console
                appender.console.name = console
                appender.console.target = SYSTEM_ERR
                appender.console.layout.type = PatternLayout
                appender.console.layout.pattern = %d{HH:mm:ss.SSS} %p %c{1}: %m%n%ex
                logger.deploy.name = org.apache.spark.deploy
                logger.deploy.level = info
                logger.executor.name = org.apache.spark.executor
                logger.executor.level = info
                logger.vqgen.name = io.vqgen
                logger.vqgen.level = info
                """);
        int i = 0;
        for (String entry : System.getProperty("java.class.path").split(java.io.File.pathSeparator)) {
            Path p = Path.of(entry);
            if (entry.endsWith(".jar") && Files.isRegularFile(p)) {
                Files.createSymbolicLink(jars.resolve(String.format("%03d-%s", i++, p.getFileName())), p.toAbsolutePath());
            }
        }
        if (i == 0) {
            throw new IllegalStateException("no jars on java.class.path to make SPARK_HOME/jars from");
        }
    }

    private Path gpuDiscoveryScript(int worker, int gpus) throws IOException {
        String addresses = Stream.iterate(worker * gpus, a -> a + 1).limit(gpus)
                .map(a -> "\"" + a + "\"").collect(Collectors.joining(", "));
        Path script = write("gpus-worker-" + worker + ".sh",
                "#!/bin/sh\n# fake GPUs: what getGpusResources.sh prints on a real node\n"
                        + "echo '{\"name\": \"gpu\", \"addresses\": [" + addresses + "]}'\n");
        Files.setPosixFilePermissions(script, PosixFilePermissions.fromString("rwxr-xr-x"));
        return script;
    }

    private Path write(String name, String text) throws IOException {
        return Files.writeString(dir.resolve(name), text);
    }

    private Path logOf(String name) {
        return dir.resolve("logs/" + name + ".log");
    }

    private Process launch(String name, List<String> mainAndArgs) throws IOException {
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.addAll(List.of("-Xmx512m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1"));
        cmd.addAll(ChildJvm.moduleOptions());
        cmd.addAll(List.of("-cp", sparkHome.resolve("conf") + java.io.File.pathSeparator + sparkHome.resolve("jars") + "/*"));
        cmd.addAll(mainAndArgs);
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true)
                .redirectOutput(logOf(name).toFile()).redirectInput(ProcessBuilder.Redirect.from(nullFile()));
        Map<String, String> env = pb.environment();
        env.put("SPARK_HOME", sparkHome.toString());
        env.put("SPARK_SCALA_VERSION", "2.13");
        env.put("SPARK_LOCAL_IP", HOST);
        env.put("SPARK_LOCAL_HOSTNAME", "localhost");
        env.remove("SPARK_CONF_DIR");
        return pb.start();
    }

    private static java.io.File nullFile() {
        return new java.io.File("/dev/null");
    }

    private void awaitWorkers(Duration timeout) throws IOException, InterruptedException {
        Instant deadline = Instant.now().plus(timeout);
        while (true) {
            long registered = 0;
            for (Path log : workerLogs) {
                if (Files.exists(log) && Files.readString(log, StandardCharsets.ISO_8859_1).contains(REGISTERED)) {
                    registered++;
                }
            }
            if (registered == workerLogs.size()) {
                return;
            }
            for (Process p : daemons) {
                if (!p.isAlive()) {
                    throw new IllegalStateException("a cluster daemon exited with " + p.exitValue() + "\n" + diagnostics(30));
                }
            }
            if (Instant.now().isAfter(deadline)) {
                throw new IllegalStateException(registered + " of " + workerLogs.size() + " workers registered within "
                        + timeout + "\n" + diagnostics(30));
            }
            Thread.sleep(250);
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getByName(HOST))) {
            return s.getLocalPort();
        }
    }
}
