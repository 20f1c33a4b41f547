package io.vqgen.diffusion;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.vqgen.Reference;
import io.vqgen.weights.Npy;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Replays diffusers' generation cases with the network replaced by what diffusers' scheduler received each step
 * ({@code step_log_p_x_0}): the reference sampler with the reference noise must reproduce every step's tokens.
 * Truncation and the -70 floor run again on that input (as in the pipeline); both are idempotent on their own
 * output, so the sampler sees exactly what diffusers' step saw.
 */
class ReferenceSamplerGoldenTest {

    @ParameterizedTest
    @CsvSource({"tiny-a,c01", "tiny-a,c02", "tiny-a,c03", "tiny-a,c07", "tiny-a,c09", "tiny-a,c10", "tiny-a,c11",
            "tiny-a,c12", "tiny-a,c13", "tiny-a,c14", "tiny-b,c01", "tiny-b,c03", "tiny-b,c12"})
    void reproducesEveryStepOfTheReference(String model, String id) throws IOException {
        JsonNode cases = new ObjectMapper().readTree(Reference.path(model, "cases.json").toFile());
        JsonNode c = null;
        for (JsonNode each : cases.get("cases")) {
            if (each.get("id").asText().equals(id)) {
                c = each;
            }
        }
        Path dir = Reference.path(model, "cases", id);
        assertNotNull(c, id + " is not in " + model + "/cases.json");
        assertTrue(c.has("step_log_p_x_0"), id + " has no per-step log-probabilities in " + model);
        VqDiffusionScheduler scheduler = VqDiffusionSchedulerTest.load(model);
        int steps = c.get("num_inference_steps").asInt();
        int batch = c.get("batch").asInt();
        int tokens = cases.get("num_latent_pixels").asInt();
        long seed = c.get("seed").asLong();
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray stepInputs = Goldens.load(m, dir.resolve("step_log_p_x_0.npy"));
            long[] wantPerStep = Npy.read(dir.resolve("tokens_per_step.npy")).toLongs();
            NDArray initial = c.has("latents")
                    ? Goldens.load(m, dir.resolve("latents_in.npy"))
                    : m.full(new Shape(batch, tokens), scheduler.maskClass(), DataType.INT64);
            List<long[]> seen = new ArrayList<>();
            int[] call = {0};
            DenoisingModel replay = (x, t) -> {
                assertEquals(steps - 1 - call[0], t, "timestep of call " + call[0]);
                NDArray out = stepInputs.get(new NDIndex(call[0]++)).duplicate();
                out.attach(x.getManager());
                return out;
            };
            NDArray result;
            try (ReferenceNoise noise = ReferenceNoise.open(seed)) {
                result = new ReferenceSampler(scheduler).sample(replay, initial,
                        new SamplingPlan(steps, c.get("truncation_rate").asDouble()), noise,
                        (i, n, t, x) -> seen.add(x.toLongArray()));
            }
            assertEquals(steps, seen.size());
            int per = batch * tokens;
            for (int i = 0; i < steps; i++) {
                long[] want = Arrays.copyOfRange(wantPerStep, i * per, (i + 1) * per);
                assertArrayEquals(want, seen.get(i), "tokens after step " + i);
            }
            assertArrayEquals(Npy.read(dir.resolve("tokens.npy")).toLongs(), result.toLongArray());
        }
    }
}
