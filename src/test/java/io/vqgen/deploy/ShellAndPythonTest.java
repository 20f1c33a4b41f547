package io.vqgen.deploy;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/** The deploy kit's scripts pass shellcheck and are executable; the Airflow DAG compiles. */
class ShellAndPythonTest {
    @Test
    void everyShellScriptIsExecutableAndShellcheckClean() throws Exception {
        List<Path> scripts = Scripts.shellScripts();
        assertTrue(scripts.size() >= 5, "deploy/ scripts found: " + scripts);
        for (Path script : scripts) {
            assertTrue(Files.isExecutable(script), script + " is not executable (git update-index --chmod=+x)");
        }
        assumeTrue(Scripts.onPath("shellcheck"),
                "shellcheck is not installed (apt-get install -y shellcheck; .ci/run installs it): scripts not checked");
        List<String> command = new ArrayList<>(List.of("shellcheck", "--severity=style", "--external-sources"));
        scripts.forEach(s -> command.add(Scripts.ROOT.relativize(s).toString()));
        Scripts.Result r = Scripts.run(Scripts.ROOT, Map.of(), 120, command.toArray(String[]::new));
        assertEquals(0, r.exitCode(), "shellcheck reports:\n" + r.output());
    }

    @Test
    void airflowDagCompiles(@TempDir Path cache) throws Exception {
        assumeTrue(Scripts.onPath("python3"), "python3 is not installed: the Airflow DAG was not compiled");
        // The byte code goes to a temporary folder, never into deploy/airflow/__pycache__.
        Scripts.Result r = Scripts.run(Scripts.ROOT, Map.of("PYTHONPYCACHEPREFIX", cache.toString()), 60,
                "python3", "-m", "py_compile", "deploy/airflow/vqgen_ithq_daily.py");
        assertEquals(0, r.exitCode(), r.output());
    }
}
