package io.vqgen.diffusion;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.vqgen.Reference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class VqDiffusionSchedulerTest {

    static VqDiffusionScheduler load(String model) {
        try {
            return VqDiffusionScheduler.fromConfig(new ObjectMapper().readTree(
                    Reference.path(model, "model", "scheduler", "scheduler_config.json").toFile()));
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"tiny-a", "tiny-b"})
    void printDiffs(String model) {
        VqDiffusionScheduler s = load(model);
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray logp = Goldens.load(m, model, "scheduler_in_log_p_x_0.npy");
            NDArray xt = Goldens.load(m, model, "scheduler_in_x_t.npy");
            for (int t : new int[] {1, 2, 50, 99}) {
                float[] got = s.qPosterior(logp, xt, t).toFloatArray();
                float[] want = Goldens.floats(model, "scheduler_q_posterior_t" + t + ".npy");
                double maxAbs = 0, maxUlp = 0;
                for (int i = 0; i < got.length; i++) {
                    maxAbs = Math.max(maxAbs, Math.abs(got[i] - want[i]));
                    maxUlp = Math.max(maxUlp, Math.abs(got[i] - want[i]) / Math.ulp(want[i]));
                }
                System.out.println(model + " t=" + t + " maxAbs=" + maxAbs + " maxUlp=" + maxUlp);
            }
            String[] tables = {"log_at", "log_bt", "log_ct", "log_cumprod_at", "log_cumprod_bt", "log_cumprod_ct"};
            float[][] mine = {s.logAt(), s.logBt(), s.logCt(), s.logCumprodAt(), s.logCumprodBt(), s.logCumprodCt()};
            for (int i = 0; i < tables.length; i++) {
                float[] want = Goldens.floats(model, "scheduler_" + tables[i] + ".npy");
                int diff = 0;
                for (int j = 0; j < want.length; j++) {
                    if (Float.compare(want[j], mine[i][j]) != 0) {
                        diff++;
                        System.out.println(tables[i] + "[" + j + "] " + want[j] + " vs " + mine[i][j]);
                    }
                }
                System.out.println(tables[i] + " diffs " + diff);
            }
            for (int t : new int[] {0, 1, 50, 99}) {
                NDArray u = Goldens.load(m, model, "scheduler_step_t" + t + "_uniform.npy");
                long[] got = GumbelMax.argmax(s.stepLogProbs(logp, xt, t), u).toLongArray();
                long[] want = Goldens.load(m, model, "scheduler_step_t" + t + "_prev_sample.npy").toLongArray();
                int d = 0;
                for (int i = 0; i < got.length; i++) {
                    if (got[i] != want[i]) {
                        d++;
                    }
                }
                System.out.println("step t=" + t + " token diffs " + d);
            }
        }
    }
}
