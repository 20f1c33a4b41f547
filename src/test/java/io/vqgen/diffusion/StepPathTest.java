package io.vqgen.diffusion;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The device path, run on the CPU, gives the host path's token grids after every network call, for every sampler
 * and both noise modes: the two differ only in where the work runs (truncation by sort and float64 cumsum instead of
 * the host selection, per-image classes by a float64 cumsum on the device with uniforms uploaded once per call
 * instead of a host scan, the posterior in whole-image pieces instead of cache-sized ones), and each of those is
 * exact, so the grids must be identical, not merely close.
 */
class StepPathTest {
    private static final int BATCH = 3;
    private static final int TOKENS = 144;

    @Test
    void theCpuTakesTheHostPathAndEveryOtherDeviceTheDevicePath() {
        assertEquals(StepPath.HOST, StepPath.forDevice(Device.cpu()));
        assertEquals(StepPath.DEVICE, StepPath.forDevice(Device.gpu()));
        assertEquals(StepPath.DEVICE, StepPath.forDevice(Device.gpu(1)));
    }

    /** Samplers as {@link Samplers#research} makes them: infer speed, prior rule, prior weight, jump. */
    @ParameterizedTest
    @CsvSource({"1,0,0,RESEARCH,0.86", "1,0,0,RESEARCH,1.0", "3,0,0,RESEARCH,0.86", "3,0,0,EXACT,0.86",
            "0.5,1,0,RESEARCH,0.86", "1,2,0,RESEARCH,0.86", "0.5,2,1.5,RESEARCH,0.9"})
    void theDevicePathOnTheCpuGivesTheHostPathsGrids(double inferSpeed, int priorRule, double priorWeight,
                                                     FastSampler.Jump jump, double truncation) {
        VqDiffusionScheduler s = VqDiffusionSchedulerTest.load("tiny-a");
        Sampler sampler = Samplers.research(s, TOKENS, inferSpeed, priorRule, priorWeight, jump);
        DenoisingModel model = StandInModels.tokenDependent(s.numClasses() - 1);
        SamplingPlan host = new SamplingPlan(12, truncation, StepPath.HOST);
        SamplingPlan device = new SamplingPlan(12, truncation, StepPath.DEVICE);
        long[] seeds = {11, 12, 40};
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray init = m.full(new Shape(BATCH, TOKENS), s.maskClass(), DataType.INT64);
            int calls = sampler.networkCalls(host, TOKENS);

            List<long[]> hostGrids = run(sampler, model, init, host, new PerImageNoise(seeds));
            List<long[]> deviceGrids = run(sampler, model, init, device, PerImageNoise.onDevice(m, TOKENS, calls, seeds));
            assertSame(hostGrids, deviceGrids, sampler + ", per-image noise");

            List<long[]> hostReference;
            try (ReferenceNoise noise = ReferenceNoise.open(9)) {
                hostReference = run(sampler, model, init, host, noise);
            }
            try (ReferenceNoise noise = ReferenceNoise.open(9)) {
                assertSame(hostReference, run(sampler, model, init, device, noise), sampler + ", reference noise");
            }
            assertEquals(1, m.getManagedArrays().size(), "the device noise's uniforms are freed when it closes");
        }
    }

    private static List<long[]> run(Sampler sampler, DenoisingModel model, NDArray initial, SamplingPlan plan,
                                    NoiseSource noise) {
        List<long[]> grids = new ArrayList<>();
        try (noise) {
            NDArray out = sampler.sample(model, initial, plan, noise, (i, n, t, x) -> grids.add(x.toLongArray()));
            grids.add(out.toLongArray());
            out.close();
        }
        return grids;
    }

    private static void assertSame(List<long[]> expected, List<long[]> actual, String what) {
        assertEquals(expected.size(), actual.size(), what + ": network calls");
        assertTrue(expected.size() > 2, what + ": too few calls to compare");
        for (int i = 0; i < expected.size(); i++) {
            assertArrayEquals(expected.get(i), actual.get(i), what + ": grid after call " + i);
        }
    }
}
