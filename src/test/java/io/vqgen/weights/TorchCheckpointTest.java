package io.vqgen.weights;

import ai.djl.ndarray.NDManager;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

import static io.vqgen.weights.TestCheckpoints.floats;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Training checkpoints (VQ-Diffusion's solver, PyTorch Lightning) and single saved tensors. */
class TorchCheckpointTest {
    /** The release's own code mapping (help_folder/statistics of microsoft/VQ-Diffusion), written by torch.save. */
    static final Path RELEASE_MAPPING = Path.of("src/test/reference/research/release/help_folder/statistics/taming_vqvae_2887.pt");

    @TempDir
    Path tmp;

    private Path write(byte[] pickle, Map<String, byte[]> storages) throws IOException {
        return TestCheckpoints.torchZip(tmp.resolve("ckpt.pth"), pickle, storages, false);
    }

    /** {"last_epoch": 3, "model": OrderedDict(...), "ema": {...}, "clip_grad_norm": {...}, "optimizer_and_scheduler": ...}. */
    private static byte[] solverCheckpoint(Consumer<PickleBuilder> model) {
        PickleBuilder p = new PickleBuilder().proto(2).emptyDict().mark();
        p.str("last_epoch").integer(3);
        p.str("model").global("collections", "OrderedDict").emptyTuple().reduce();
        // torch's state_dict() carries _metadata, which pickling sets with BUILD on the OrderedDict
        p.mark().str("_metadata").global("collections", "OrderedDict").emptyTuple().reduce().op('d').build();
        p.mark();
        model.accept(p);
        p.setItems();
        p.str("ema").emptyDict().mark();
        p.str("w").tensorAt("cuda:0", "DoubleStorage", "ema0", 2, 0, new long[] {2}, new long[] {1});
        p.setItems();
        p.str("clip_grad_norm").emptyDict().mark().str("max_norm").binFloat(0.5).str("last_epoch").integer(-1).setItems();
        // optimizer state: its storage record is shorter than declared, so mapping it would fail: it must be skipped
        p.str("optimizer_and_scheduler").emptyDict().mark().str("none").emptyDict().mark().str("optimizer").emptyDict()
                .mark().str("module").emptyDict().mark()
                .str("state").emptyDict().integer(0).emptyDict().mark()
                .str("step").integer(5)
                .str("exp_avg").tensorAt("cuda:0", "FloatStorage", "opt0", 1000, 0, new long[] {1000}, new long[] {1})
                .setItems().setItem()
                .str("param_groups").emptyList().mark().emptyDict().mark().str("lr").binFloat(3e-6)
                .str("betas").binFloat(0.9).binFloat(0.96).op(0x86).str("params").emptyList().mark().integer(0)
                .appends().setItems().appends()
                .setItems().setItems().setItems().setItems();
        return p.setItems().stop().bytes();
    }

    @Test
    void readsTheStateDictsOfASolverCheckpointAndSkipsOptimizerState() throws IOException {
        byte[] pickle = solverCheckpoint(p -> {
            p.str("a").tensorAt("cuda:0", "HalfStorage", "0", 3, 0, new long[] {3}, new long[] {1});
            p.str("shared.x").tensorAt("cuda:0", "FloatStorage", "1", 2, 0, new long[] {2}, new long[] {1});
            p.str("shared.y").tensorAt("cuda:0", "FloatStorage", "1", 2, 0, new long[] {2}, new long[] {1});
        });
        Path file = write(pickle, Map.of("0", TestCheckpoints.shorts(0x3C00, 0xC000, 0x3800), "1", floats(7, 8),
                "ema0", TestCheckpoints.longs(Double.doubleToLongBits(0.25), Double.doubleToLongBits(-1.5)),
                "opt0", floats(1)));
        try (TorchCheckpoint ckpt = TorchCheckpoint.open(file); NDManager m = NDManager.newBaseManager()) {
            assertEquals(List.of("last_epoch", "model", "ema", "clip_grad_norm", "optimizer_and_scheduler"), ckpt.keys());
            assertEquals(3L, ckpt.integer("last_epoch"));
            assertNull(ckpt.integer("model"));
            StateDict model = new StateDict("model", ckpt.stateDict("model"), LoadOptions.cpuFloat32());
            assertArrayEquals(new float[] {1, -2, 0.5f}, model.takeFloat(m, "a", 3).toFloatArray());
            assertArrayEquals(new float[] {7, 8}, model.takeFloat(m, "shared.x", 2).toFloatArray());
            assertArrayEquals(new float[] {7, 8}, model.takeFloat(m, "shared.y", 2).toFloatArray());
            Map<String, RawTensor> ema = ckpt.stateDict("ema");
            assertEquals(StorageType.F64, ema.get("w").type());
            assertArrayEquals(new float[] {0.25f, -1.5f},
                    new StateDict("ema", ema, LoadOptions.cpuFloat32()).takeFloat(m, "w", 2).toFloatArray());
            WeightsException e = assertThrows(WeightsException.class, () -> ckpt.stateDict("optimizer_and_scheduler"));
            assertTrue(e.getMessage().startsWith(file + ": expected a state dict (name → tensor) at "
                    + "['optimizer_and_scheduler'], found entry 'none'"), e.getMessage());
            e = assertThrows(WeightsException.class, () -> ckpt.stateDict("state_dict"));
            assertTrue(e.getMessage().contains(file + ": no 'state_dict' entry"), e.getMessage());
        }
    }

    @Test
    void readsLightningCheckpointsWhoseCallbacksAreKeyedByClass() throws IOException {
        PickleBuilder p = new PickleBuilder().proto(2).emptyDict().mark();
        p.str("epoch").integer(7).str("pytorch-lightning_version").str("1.0.8");
        p.str("callbacks").emptyDict().global("pytorch_lightning.callbacks.model_checkpoint", "ModelCheckpoint")
                .emptyDict().mark().str("best_model_score")
                .tensorAt("cuda:0", "FloatStorage", "9", 1, 0, new long[] {}, new long[] {})
                .str("best_model_path").str("/logs/last.ckpt").setItems().setItem();
        p.str("state_dict").global("collections", "OrderedDict").emptyTuple().reduce().mark();
        p.str("decoder.conv_in.weight").tensor("FloatStorage", "0", 2, 0, new long[] {2}, new long[] {1});
        p.str("loss.discriminator.main.0.weight").tensor("FloatStorage", "1", 1, 0, new long[] {1}, new long[] {1});
        p.setItems().setItems().stop();
        Path file = write(p.bytes(), Map.of("0", floats(1, 2), "1", floats(3), "9", floats(0.5f)));
        try (TorchCheckpoint ckpt = TorchCheckpoint.open(file)) {
            assertEquals(List.of("epoch", "pytorch-lightning_version", "callbacks", "state_dict"), ckpt.keys());
            assertEquals(List.of("decoder.conv_in.weight", "loss.discriminator.main.0.weight"),
                    List.copyOf(ckpt.stateDict("state_dict").keySet()));
        }
        // the strict reader of diffusers' .bin files still refuses any global outside the allow-list
        WeightsException e = assertThrows(WeightsException.class, () -> TorchBinFile.open(file));
        assertTrue(e.getMessage().contains("refused pickle global "
                + "'pytorch_lightning.callbacks.model_checkpoint.ModelCheckpoint'"), e.getMessage());
    }

    @Test
    void refusesCallsAndBuildsOfClassesOutsideTheAllowList() throws IOException {
        byte[] call = new PickleBuilder().proto(2).emptyDict().str("x").global("os", "system").mark().str("true")
                .tuple().reduce().setItem().stop().bytes();
        Path file = write(call, Map.of());
        WeightsException e = assertThrows(WeightsException.class, () -> TorchCheckpoint.open(file));
        assertTrue(e.getMessage().startsWith(file + ": refused pickle call of 'os.system'"), e.getMessage());

        byte[] build = new PickleBuilder().proto(2).global("argparse", "Namespace").emptyDict().build().stop().bytes();
        Path built = write(build, Map.of());
        e = assertThrows(WeightsException.class, () -> TorchCheckpoint.open(built));
        assertTrue(e.getMessage().startsWith(built + ": pickle sets the state of class argparse.Namespace"),
                e.getMessage());
    }

    @Test
    void refusesAClassWhereAStateDictHoldsATensor() throws IOException {
        byte[] pickle = new PickleBuilder().proto(2).emptyDict().str("model").emptyDict().str("w")
                .global("torch.nn", "Linear").setItem().setItem().stop().bytes();
        Path file = write(pickle, Map.of());
        try (TorchCheckpoint ckpt = TorchCheckpoint.open(file)) {
            WeightsException e = assertThrows(WeightsException.class, () -> ckpt.stateDict("model"));
            assertEquals(file + ": expected a state dict (name → tensor) at ['model'], found entry 'w' holding "
                    + "class torch.nn.Linear", e.getMessage());
        }
    }

    @Test
    void readsASingleSavedTensorAndRefusesOtherRoots() throws IOException {
        try (TorchCheckpoint mapping = TorchCheckpoint.open(RELEASE_MAPPING); NDManager m = NDManager.newBaseManager()) {
            RawTensor t = mapping.rootTensor("full_to_quantize");
            assertEquals(StorageType.I64, t.type());
            assertArrayEquals(new long[] {8192}, t.shape());
            long[] codes = new StateDict("mapping", Map.of("full_to_quantize", t), LoadOptions.cpuFloat32())
                    .take(m, "full_to_quantize", 8192).toLongArray();
            // the release maps each of the 8192 Gumbel codes to one of the 2887 codes it keeps, every one of them used
            assertEquals(0, java.util.Arrays.stream(codes).min().getAsLong());
            assertEquals(2886, java.util.Arrays.stream(codes).max().getAsLong());
            assertEquals(2887, java.util.Arrays.stream(codes).distinct().count());
            assertTrue(mapping.keys().isEmpty());
        }
        byte[] dict = new PickleBuilder().proto(2).emptyDict().stop().bytes();
        Path file = write(dict, Map.of());
        try (TorchCheckpoint ckpt = TorchCheckpoint.open(file)) {
            WeightsException e = assertThrows(WeightsException.class, () -> ckpt.rootTensor("x"));
            assertEquals(file + ": expected a single saved tensor, found LinkedHashMap", e.getMessage());
        }
    }
}
