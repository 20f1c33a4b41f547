package io.vqgen.model.layers;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@link Nnpack}: libtorch's "Could not initialize NNPACK" line is gone, its other warnings are not. Runs
 * {@link NnpackProbe} in child JVMs and reads their stderr (libtorch writes it natively, past System.err).
 */
class NnpackTest {
    private static final String NNPACK_WARNING = "Could not initialize NNPACK";
    private static final String OTHER_WARNING = "torch.meshgrid: in an upcoming release";

    @Test
    void theNnpackWarningGoesAndOtherLibtorchWarningsStay() throws Exception {
        Output raw = probe("raw");
        Output quiet = probe("quiet");
        assertTrue(raw.stderr.contains(OTHER_WARNING), "libtorch warns through its logging here:\n" + raw.stderr);
        assertTrue(quiet.stderr.contains(OTHER_WARNING), "other libtorch warnings still show:\n" + quiet.stderr);
        assertFalse(quiet.stderr.contains(NNPACK_WARNING), quiet.stderr);
        if (quiet.stdout.contains("nnpack: unavailable")) {
            // this CPU is one NNPACK refuses: without the switch, every small convolution logs it
            assertTrue(quiet.stdout.contains("turned off"), quiet.stdout);
            assertEquals(6, count(raw.stderr, NNPACK_WARNING), "one line per small convolution:\n" + raw.stderr);
        } else {
            // NNPACK runs here: nothing is changed, and nothing was logged in the first place
            assertTrue(quiet.stdout.contains("nnpack: available, left on"), quiet.stdout);
            assertFalse(raw.stderr.contains(NNPACK_WARNING), raw.stderr);
        }
    }

    private record Output(String stdout, String stderr) {
    }

    private static Output probe(String mode) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"),
                // one intra-op thread: oneDNN then leaves the small convolutions to the kernels that ask for NNPACK
                "-Dai.djl.pytorch.num_threads=1", "-Dai.djl.pytorch.num_interop_threads=1",
                NnpackProbe.class.getName(), mode));
        Process p = new ProcessBuilder(command).redirectErrorStream(false).start();
        // small outputs: read stderr fully after stdout (neither fills a pipe buffer)
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        String err = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(2, TimeUnit.MINUTES), "probe finished");
        assertEquals(0, p.exitValue(), () -> "probe " + mode + " failed:\n" + out + err);
        return new Output(out, err);
    }

    private static int count(String text, String needle) {
        int n = 0;
        for (int i = text.indexOf(needle); i >= 0; i = text.indexOf(needle, i + 1)) {
            n++;
        }
        return n;
    }
}
