package io.vqgen.diffusion;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;

import java.util.concurrent.locks.ReentrantLock;

/**
 * diffusers' random stream: {@code torch.manual_seed(seed)} once for the whole call, then one {@code torch.rand} of
 * the full [B, C, N] per step, Gumbel noise, argmax. Reproduces the reference token grids bit for bit (given the
 * same log-probabilities), but an image then depends on its batch and on the seed of the call.
 *
 * <p>It draws from libtorch's one process-wide CPU generator (DJL's {@code randomUniform} on CPU after
 * {@code Engine.setRandomSeed} is exactly torch's CPU {@code rand}). So that no other reference-mode call
 * interleaves its draws, {@link #open} takes a JVM-wide lock that {@link #close} releases: reference-mode calls
 * run one at a time, and must open, sample and close on one thread. Nothing else in this project draws from that
 * generator ({@link PerImageNoise} never does). Noise for a GPU tensor is drawn on the CPU and copied over, so the
 * stream is the CPU reference's on every device.
 */
public final class ReferenceNoise implements NoiseSource {
    private static final ReentrantLock GENERATOR = new ReentrantLock();

    private boolean open = true;

    private ReferenceNoise() {
    }

    /**
     * Waits for the generator, then seeds it. torch seeds its MT19937 with {@code seed mod 2^32}, which is what
     * the low 32 bits passed on here amount to.
     */
    public static ReferenceNoise open(long seed) {
        GENERATOR.lock();
        try {
            Engine.getEngine("PyTorch").setRandomSeed((int) seed);
        } catch (RuntimeException | Error e) {
            GENERATOR.unlock();
            throw e;
        }
        return new ReferenceNoise();
    }

    @Override
    public NDArray sampleClasses(NDArray logProbs, int call) {
        return GumbelMax.argmax(logProbs, draw(logProbs.getManager(), logProbs.getShape()));
    }

    @Override
    public NDArray uniforms(NDManager manager, int batch, int length, int call) {
        // torch.rand's values are k * 2^-24, k >= 0: nudge by half a step into (0, 1)
        return draw(manager, new Shape(batch, length)).toType(DataType.FLOAT64, false).add(0x1p-25);
    }

    /** One {@code torch.rand(shape)} from the global CPU generator, as float32 on {@code manager}'s device. */
    private NDArray draw(NDManager manager, Shape shape) {
        if (!open) {
            throw new IllegalStateException("reference noise used after close()");
        }
        if (manager.getDevice().equals(Device.cpu())) {
            return manager.randomUniform(0, 1, shape);
        }
        try (NDManager cpu = manager.newSubManager(Device.cpu())) {
            NDArray u = cpu.randomUniform(0, 1, shape).toDevice(manager.getDevice(), false);
            u.attach(manager);
            return u;
        }
    }

    @Override
    public void close() {
        if (open) {
            open = false;
            GENERATOR.unlock();
        }
    }
}
