package io.vqgen.deploy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.MappingIterator;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Every Kubernetes manifest under deploy/ parses, and says what the kit relies on. */
class DeployYamlTest {
    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());

    static List<JsonNode> documents(Path file) throws IOException {
        List<JsonNode> docs = new ArrayList<>();
        try (Reader in = Files.newBufferedReader(file, StandardCharsets.UTF_8);
             MappingIterator<JsonNode> it = YAML.readerFor(JsonNode.class).readValues(in)) {
            while (it.hasNext()) {
                JsonNode doc = it.next();
                if (doc != null && !doc.isNull() && !doc.isMissingNode()) {
                    docs.add(doc);
                }
            }
        }
        return docs;
    }

    static JsonNode single(String file) throws IOException {
        List<JsonNode> docs = documents(Scripts.ROOT.resolve(file));
        assertEquals(1, docs.size(), file);
        return docs.get(0);
    }

    @Test
    void everyYamlFileParsesIntoKubernetesObjects() throws IOException {
        List<Path> files;
        try (Stream<Path> walk = Files.walk(Scripts.ROOT.resolve("deploy"))) {
            files = walk.filter(p -> p.toString().endsWith(".yaml") || p.toString().endsWith(".yml")).sorted().toList();
        }
        assertTrue(files.size() >= 5, "YAML files: " + files);
        for (Path f : files) {
            List<JsonNode> docs = documents(f);
            assertFalse(docs.isEmpty(), f + " has no document");
            for (JsonNode doc : docs) {
                assertTrue(doc.path("apiVersion").isTextual() && doc.path("kind").isTextual(),
                        f + ": every document needs apiVersion and kind: " + doc);
            }
        }
        assertEquals(List.of("Namespace", "ServiceAccount", "Role", "RoleBinding"),
                documents(Scripts.ROOT.resolve("deploy/k8s/rbac.yaml")).stream().map(d -> d.get("kind").asText()).toList());
    }

    @Test
    void podTemplatesUseSparksContainerNamesAndGiveSparkItsLocalDirs() throws IOException {
        for (String role : List.of("driver", "executor")) {
            JsonNode pod = single("deploy/k8s/" + role + "-pod-template.yaml");
            JsonNode container = pod.at("/spec/containers/0");
            // Spark merges its settings into the container of this name (spark.kubernetes.*.podTemplateContainerName).
            assertEquals("spark-kubernetes-" + role, container.path("name").asText());
            // Spark takes volumes named spark-local-dir-* as its local dirs; any other name is scratch Spark never uses.
            List<String> localDirs = new ArrayList<>();
            pod.at("/spec/volumes").forEach(v -> {
                String name = v.path("name").asText();
                if (name.startsWith("spark-local-dir-")) {
                    localDirs.add(name);
                }
            });
            assertFalse(localDirs.isEmpty(), role + " template has no spark-local-dir-* volume");
            for (String dir : localDirs) {
                assertTrue(container.path("volumeMounts").findValuesAsText("name").contains(dir), dir + " is not mounted");
                assertTrue(pod.at("/spec/volumes").findValues("sizeLimit").size() > 0, role + ": scratch without a size limit");
            }
        }
    }

    @Test
    void sparkApplicationCarriesEverySparkDefaultBecausePodsNeverReadTheImagesSparkConf() throws IOException {
        JsonNode app = single("deploy/k8s/sparkapplication-ithq.yaml");
        JsonNode sparkConf = app.at("/spec/sparkConf");
        Map<String, String> defaults = sparkDefaults();
        assertTrue(defaults.size() > 20, "conf/spark-defaults.conf: " + defaults.keySet());
        Map<String, String> differ = new LinkedHashMap<>();
        defaults.forEach((key, value) -> {
            if (!value.equals(sparkConf.path(key).asText(null))) {
                differ.put(key, value + " (spark-defaults.conf) vs " + sparkConf.path(key).asText("missing"));
            }
        });
        assertEquals(Map.of(), differ, "sparkapplication-ithq.yaml's sparkConf must repeat conf/spark-defaults.conf");
        assertEquals("io.vqgen.job.GenerateJob", app.at("/spec/mainClass").asText());
        assertEquals("local:///opt/spark/jars/vqgen-cluster-gpu.jar", app.at("/spec/mainApplicationFile").asText());
        assertEquals("nvidia.com", sparkConf.path("spark.executor.resource.gpu.vendor").asText());
        assertTrue(sparkConf.path("spark.kubernetes.executor.volumes.emptyDir.spark-local-dir-1.mount.path").isTextual());
        JsonNode args = app.at("/spec/arguments");
        assertTrue(args.get(2).asText().startsWith("run_id="), "an explicit run id: " + args);
    }

    @Test
    void cronJobRunsTheImagesSubmitScriptAndFailsAtOnceOnABadJobInput() throws IOException {
        JsonNode cron = single("deploy/k8s/cronjob-ithq-daily.yaml");
        JsonNode job = cron.at("/spec/jobTemplate/spec");
        JsonNode container = job.at("/template/spec/containers/0");
        assertEquals("/opt/vqgen/bin/submit-ithq.sh", container.at("/command/0").asText());
        assertEquals("spark", job.at("/template/spec/serviceAccountName").asText());
        assertEquals("Never", job.at("/template/spec/restartPolicy").asText(), "podFailurePolicy needs restartPolicy Never");
        JsonNode rule = job.at("/podFailurePolicy/rules/0");
        assertEquals("FailJob", rule.path("action").asText());
        assertEquals(container.path("name").asText(), rule.at("/onExitCodes/containerName").asText());
        assertEquals(2, rule.at("/onExitCodes/values/0").asInt(), "exit 2 = bad job input: no retry");
    }

    /** conf/spark-defaults.conf as spark-submit reads it (a Java properties file: key, whitespace, value). */
    static Map<String, String> sparkDefaults() throws IOException {
        Properties p = new Properties();
        try (Reader in = Files.newBufferedReader(Scripts.ROOT.resolve("conf/spark-defaults.conf"), StandardCharsets.UTF_8)) {
            p.load(in);
        }
        Map<String, String> out = new LinkedHashMap<>();
        p.stringPropertyNames().stream().sorted().forEach(k -> out.put(k, p.getProperty(k).strip()));
        return out;
    }
}
