package io.vqgen.deploy;

import io.vqgen.job.RunSummary;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The submit scripts decide success from what the driver did, not from spark-submit's exit code (which on
 * Kubernetes is 0 whenever the driver pod finished). spark-submit, kubectl and hadoop are fakes that record
 * their arguments and answer as the real ones would.
 */
class SubmitScriptsTest {
    private static final Path K8S_SUBMIT = Scripts.ROOT.resolve("deploy/k8s/submit-ithq.sh");
    private static final Path YARN_SUBMIT = Scripts.ROOT.resolve("deploy/yarn/submit-ithq.sh");

    /**
     * A fake kubectl serving `get --raw` for the pods API: a driver pod list (running drivers of the run) and the
     * pod itself, whose driver container has terminated with {@code exitCode}.
     */
    private static void fakeKubectl(Path bin, String runningDriver, int exitCode) throws IOException {
        String items = runningDriver == null ? "[]"
                : "[{\"metadata\": {\"name\": \"" + runningDriver + "\"}, \"status\": {\"phase\": \"Running\"}}]";
        Scripts.executable(bin.resolve("kubectl"), """
                #!/usr/bin/env bash
                echo "kubectl $*" >> "$FAKE_LOG"
                case "$3" in
                  */pods\\?labelSelector=*) echo '{"items": %s}' ;;
                  */pods/*) echo '{"status": {"phase": "Failed", "containerStatuses": [
                      {"name": "spark-kubernetes-driver", "state": {"terminated": {"exitCode": %d}}}]}}' ;;
                  *) echo "unexpected: $*" >&2; exit 1 ;;
                esac
                """.formatted(items, exitCode));
    }

    /** A SPARK_HOME whose spark-submit records its arguments and exits with {@code exitCode}. */
    private static Path fakeSparkHome(Path dir, int exitCode) throws IOException {
        Path home = dir.resolve("spark");
        Scripts.executable(home.resolve("bin/spark-submit"), """
                #!/usr/bin/env bash
                printf 'spark-submit' >> "$FAKE_LOG"; printf ' %%s' "$@" >> "$FAKE_LOG"; echo >> "$FAKE_LOG"
                exit %d
                """.formatted(exitCode));
        return home;
    }

    private static Map<String, String> env(Path dir, Path sparkHome) {
        Map<String, String> env = new HashMap<>();
        env.put("PATH", dir.resolve("bin") + ":" + System.getenv("PATH"));
        env.put("SPARK_HOME", sparkHome.toString());
        env.put("FAKE_LOG", dir.resolve("calls.log").toString());
        env.put("POLL_SECONDS", "0");
        env.put("RUN_ID", "2026-11-27");
        return env;
    }

    private static String calls(Path dir) throws IOException {
        Path log = dir.resolve("calls.log");
        return Files.exists(log) ? Files.readString(log) : "";
    }

    private static Scripts.Result k8s(Path dir, int sparkSubmitExit, String runningDriver, int driverExit,
                                      Map<String, String> extraEnv, String... args) throws Exception {
        assumeTrue(Scripts.onPath("jq"), "jq is not installed (apt-get install -y jq; the image has it): not run");
        fakeKubectl(dir.resolve("bin"), runningDriver, driverExit);
        Map<String, String> env = env(dir, fakeSparkHome(dir, sparkSubmitExit));
        env.putAll(extraEnv);
        List<String> command = new java.util.ArrayList<>(List.of(K8S_SUBMIT.toString()));
        command.addAll(List.of(args));
        return Scripts.run(dir, env, 60, command.toArray(String[]::new));
    }

    @Test
    void kubernetesExitsWithTheDriversExitCodeAndSubmitsWithAnExplicitRunIdAndDriverName(@TempDir Path dir)
            throws Exception {
        Scripts.Result ok = k8s(dir, 0, null, 0, Map.of());
        assertEquals(0, ok.exitCode(), ok.output());
        String submit = calls(dir).lines().filter(l -> l.startsWith("spark-submit")).findFirst().orElseThrow();
        assertTrue(submit.contains(" --set run_id=2026-11-27"), submit);
        assertTrue(submit.contains(" --properties-file " + Scripts.ROOT.resolve("deploy/k8s/../../conf/spark-defaults.conf")),
                "the repository's defaults, never $SPARK_HOME/conf: " + submit);
        assertTrue(submit.matches(".* --conf spark\\.kubernetes\\.driver\\.pod\\.name=vqgen-ithq-2026-11-27-\\d+-driver .*"),
                submit);
        assertTrue(submit.contains("spark.kubernetes.driver.label.vqgen.io/run-id=2026-11-27"), submit);
        assertTrue(submit.contains("spark.kubernetes.executor.secretKeyRef.AWS_ACCESS_KEY_ID=vqgen-s3:access-key-id"), submit);
        String driver = submit.replaceAll(".*spark\\.kubernetes\\.driver\\.pod\\.name=(\\S+).*", "$1");
        assertTrue(calls(dir).contains("kubectl get --raw /api/v1/namespaces/vqgen/pods/" + driver), calls(dir));
    }

    @Test
    void kubernetesPassesSparkSettingsToSparkSubmitAndJobSettingsToTheJobWithTheRunIdLast(@TempDir Path dir)
            throws Exception {
        Scripts.Result ok = k8s(dir, 0, null, 0, Map.of(), "--conf", "spark.kubernetes.executor.volumes.hostPath.m.mount.path=/m",
                "--set", "model_cache_dir=/m", "--set", "run_id=other");
        assertEquals(0, ok.exitCode(), ok.output());
        String submit = calls(dir).lines().filter(l -> l.startsWith("spark-submit")).findFirst().orElseThrow();
        assertTrue(submit.contains(" --conf spark.kubernetes.executor.volumes.hostPath.m.mount.path=/m "
                + "local:///opt/spark/jars/vqgen-cluster-gpu.jar /opt/vqgen/jobs/ithq-dataset.properties "
                + "--set model_cache_dir=/m --set run_id=other --set run_id=2026-11-27"), submit);
        Scripts.Result bad = k8s(dir, 0, null, 0, Map.of(), "--executors", "4");
        assertEquals(1, bad.exitCode());
        assertTrue(bad.output().contains("unexpected argument '--executors'"), bad.output());
    }

    @Test
    void kubernetesFailsWhenTheDriverFailedAlthoughSparkSubmitExitedZero(@TempDir Path dir) throws Exception {
        Scripts.Result failed = k8s(dir, 0, null, 1, Map.of());
        assertEquals(1, failed.exitCode(), failed.output());
        assertTrue(failed.output().contains("rerun with RUN_ID=2026-11-27 to resume"), failed.output());
    }

    @Test
    void kubernetesPassesABadJobInputOnAsExitTwo(@TempDir Path dir) throws Exception {
        Scripts.Result bad = k8s(dir, 0, null, 2, Map.of());
        assertEquals(2, bad.exitCode(), bad.output());
        assertTrue(bad.output().contains("stopped before generating"), bad.output());
    }

    @Test
    void kubernetesWithIrsaInjectsNoSecret(@TempDir Path dir) throws Exception {
        Scripts.Result ok = k8s(dir, 0, null, 0, Map.of("S3_AUTH", "irsa"));
        assertEquals(0, ok.exitCode(), ok.output());
        assertFalse(calls(dir).contains("secretKeyRef"), calls(dir));
        Scripts.Result wrong = k8s(dir, 0, null, 0, Map.of("S3_AUTH", "keys"));
        assertEquals(1, wrong.exitCode());
        assertTrue(wrong.output().contains("S3_AUTH 'keys': expected secret or irsa"), wrong.output());
    }

    @Test
    void kubernetesWaitsForARunningDriverOfTheSameRunInsteadOfStartingASecond(@TempDir Path dir) throws Exception {
        Scripts.Result r = k8s(dir, 0, "vqgen-ithq-2026-11-27-1796000000-driver", 0, Map.of());
        assertEquals(0, r.exitCode(), r.output());
        assertFalse(calls(dir).contains("spark-submit"), "no second driver: " + calls(dir));
        assertTrue(calls(dir).contains("pods/vqgen-ithq-2026-11-27-1796000000-driver"), calls(dir));
    }

    @Test
    void kubernetesInsideThePodReadsTheDriverThroughItsServiceAccountWithoutKubectl(@TempDir Path dir) throws Exception {
        assumeTrue(Scripts.onPath("jq"), "jq is not installed (apt-get install -y jq; the image has it): not run");
        // A PATH like the image's: no kubectl, curl instead (a fake answering as the API server would).
        Path bin = Files.createDirectories(dir.resolve("bin"));
        for (String tool : List.of("bash", "dirname", "date", "jq", "cat", "sleep")) {
            Path real = Stream.of(System.getenv("PATH").split(":")).map(d -> Path.of(d, tool))
                    .filter(Files::isExecutable).findFirst().orElseThrow();
            Scripts.executable(bin.resolve(tool), "#!/bin/sh\nexec " + real + " \"$@\"\n");
        }
        Path sa = Files.createDirectories(dir.resolve("serviceaccount"));
        Files.writeString(sa.resolve("token"), "sa-token");
        Files.writeString(sa.resolve("ca.crt"), "ca");
        Scripts.executable(bin.resolve("curl"), """
                #!/usr/bin/env bash
                echo "curl $*" >> "$FAKE_LOG"
                url=${*: -1}
                case "$url" in
                  *labelSelector=*) echo '{"items": []}' ;;
                  https://kubernetes.default.svc/api/v1/namespaces/vqgen/pods/*) echo '{"status": {"containerStatuses": [
                      {"name": "spark-kubernetes-driver", "state": {"terminated": {"exitCode": 1}}}]}}' ;;
                  *) exit 22 ;;
                esac
                """);
        Map<String, String> env = env(dir, fakeSparkHome(dir, 0));
        env.put("PATH", bin.toString());
        env.put("SA_DIR", sa.toString());
        Scripts.Result r = Scripts.run(dir, env, 60, "/bin/bash", K8S_SUBMIT.toString());
        assertEquals(1, r.exitCode(), r.output());
        assertTrue(calls(dir).contains("curl -fsS --cacert " + sa.resolve("ca.crt") + " -H Authorization: Bearer sa-token"),
                calls(dir));
    }

    @Test
    void kubernetesReportsASubmissionThatStartedNoDriver(@TempDir Path dir) throws Exception {
        Scripts.Result r = k8s(dir, 1, null, 0, Map.of());
        assertEquals(1, r.exitCode(), r.output());
        assertTrue(r.output().contains("spark-submit failed (exit 1): the driver pod was not started"), r.output());
    }

    // --- YARN: success from the run summary ---

    private static Scripts.Result yarn(Path dir, int sparkSubmitExit, String summaryJson) throws Exception {
        Path home = fakeSparkHome(dir, sparkSubmitExit);
        Path jar = Files.writeString(dir.resolve("vqgen-cluster-gpu.jar"), "not a jar: spark-submit is a fake");
        Path store = dir.resolve("store");
        if (summaryJson != null) {
            Files.createDirectories(store.resolve("generated/ithq/runs"));
            Files.writeString(store.resolve("generated/ithq/runs/2026-11-27.json"), summaryJson);
        }
        // hadoop fs -cat s3a://vqgen-datasets/<key> reads <store>/<key>
        Scripts.executable(dir.resolve("bin/hadoop"), """
                #!/usr/bin/env bash
                [[ "$1 $2" == "fs -cat" ]] || exit 64
                cat "%s/${3#s3a://vqgen-datasets/}"
                """.formatted(store));
        Map<String, String> env = env(dir, home);
        env.put("APP_JAR", jar.toString());
        return Scripts.run(dir, env, 60, YARN_SUBMIT.toString());
    }

    private static String summary(String status, Instant started) {
        return new RunSummary("2026-11-27", status, status.equals("failed") ? "S3 throttled" : null,
                "s3a://vqgen-datasets/prompts/", "s3a://vqgen-datasets/generated/ithq", "/models/ithq",
                started.toString(), started.plusSeconds(60).toString(), 60, 10, 0, 10, 1, 10, 0, 50, 0.17,
                "images", "manifest", "summary", Map.of()).toJson();
    }

    @Test
    void yarnSucceedsOnTheRunSummaryEvenWhenYarnCallsTheApplicationFailed(@TempDir Path dir) throws Exception {
        // YARN reports FAILED for a main method that ends with System.exit(0): spark-submit then exits 1.
        Scripts.Result r = yarn(dir, 1, summary("succeeded", Instant.now().plusSeconds(5)));
        assertEquals(0, r.exitCode(), r.output());
        String submit = calls(dir).lines().filter(l -> l.startsWith("spark-submit")).findFirst().orElseThrow();
        assertTrue(submit.contains(" --master yarn --deploy-mode cluster "), submit);
        assertTrue(submit.endsWith(" ithq-dataset.properties --set run_id=2026-11-27"), submit);
    }

    @Test
    void yarnFailsOnAFailedStaleOrMissingSummary(@TempDir Path dir) throws Exception {
        Scripts.Result failed = yarn(dir.resolve("failed"), 0, summary("failed", Instant.now().plusSeconds(5)));
        assertEquals(1, failed.exitCode(), failed.output());
        assertTrue(failed.output().contains("run 2026-11-27 failed: S3 throttled"), failed.output());

        Scripts.Result stale = yarn(dir.resolve("stale"), 0, summary("succeeded", Instant.now().minusSeconds(86400)));
        assertEquals(1, stale.exitCode(), stale.output());
        assertTrue(stale.output().contains("is from an earlier run"), stale.output());

        Scripts.Result none = yarn(dir.resolve("none"), 0, null);
        assertEquals(1, none.exitCode(), none.output());
        assertTrue(none.output().contains("wrote no summary at s3a://vqgen-datasets/generated/ithq/runs/2026-11-27.json"),
                none.output());
    }

    @Test
    void gpuDiscoveryListsTheContainersGpusWithOrWithoutNvidiaSmi(@TempDir Path dir) throws Exception {
        Path script = Scripts.ROOT.resolve("deploy/docker/getGpusResources.sh");
        Path devices = Files.createDirectories(dir.resolve("dev"));
        for (String node : List.of("nvidia0", "nvidia1", "nvidiactl", "nvidia-uvm", "nvidia-uvm-tools")) {
            Files.createFile(devices.resolve(node));
        }
        Map<String, String> noSmi = Map.of("PATH", "/usr/bin:/bin", "NVIDIA_DEVICE_DIR", devices.toString());
        Scripts.Result nodes = Scripts.run(dir, noSmi, 30, script.toString());
        assertEquals(0, nodes.exitCode(), nodes.output());
        assertEquals("{\"name\": \"gpu\", \"addresses\": [\"0\", \"1\"]}", nodes.output().strip());

        Path bin = dir.resolve("bin");
        Scripts.executable(bin.resolve("nvidia-smi"), "#!/bin/sh\nprintf '0\\n1\\n2\\n'\n");
        Scripts.Result smi = Scripts.run(dir, Map.of("PATH", bin + ":/usr/bin:/bin"), 30, script.toString());
        assertEquals("{\"name\": \"gpu\", \"addresses\": [\"0\", \"1\", \"2\"]}", smi.output().strip());

        Scripts.executable(bin.resolve("nvidia-smi"), "#!/bin/sh\necho 'NVIDIA-SMI has failed' >&2\nexit 9\n");
        Scripts.Result broken = Scripts.run(dir, Map.of("PATH", bin + ":/usr/bin:/bin"), 30, script.toString());
        assertEquals(1, broken.exitCode(), broken.output());
        assertTrue(broken.output().contains("nvidia-smi failed"), broken.output());

        Scripts.Result none = Scripts.run(dir, Map.of("PATH", "/usr/bin:/bin",
                "NVIDIA_DEVICE_DIR", Files.createDirectories(dir.resolve("empty")).toString()), 30, script.toString());
        assertEquals(1, none.exitCode(), none.output());
        assertTrue(none.output().contains("no GPU visible in this container"), none.output());
    }
}
