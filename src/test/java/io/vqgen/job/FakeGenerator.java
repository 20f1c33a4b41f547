package io.vqgen.job;

import io.vqgen.pipeline.GeneratedImage;
import io.vqgen.pipeline.ImageRequest;
import io.vqgen.pipeline.ModelIdentity;
import io.vqgen.pipeline.SamplingOptions;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Queue;
import java.util.SplittableRandom;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicLong;

/**
 * TEST DOUBLE for the VQ-Diffusion pipeline, to test the job's mechanics without a model: each image's token
 * grid is a pure function of (prompt, seed, sampling options) — {@link #tokens} — and its pixels a pure function
 * of the grid, so a test can compute what every manifest row and PNG must hold. Token grids are 3×4 and images
 * 16×12 (not square, to catch swapped height/width).
 * <p>
 * Behaviours for tests, driven by the prompt or by static switches (Spark local mode shares this JVM):
 * a prompt containing {@code [oom]} fails whenever its batch holds more than one image (like an accelerator
 * running out of memory); {@code [fail]} always fails; {@link #CRASH_AFTER} kills the task with an
 * {@link Error} once that many images have been made (a run that dies part-way; with {@link #crashOnce} the
 * retried task succeeds).
 * <p>
 * A job in a JVM of its own (a child JVM started by a test) is slowed by system properties instead:
 * {@value #SLOW_PROPERTY} (milliseconds per image) and {@value #STARTED_PROPERTY} (a file created when the first
 * images are being made, so that the test knows the run is in progress).
 */
public final class FakeGenerator implements ImageGenerator {
    static final int TOKEN_HEIGHT = 3;
    static final int TOKEN_WIDTH = 4;
    static final int SCALE = 4;
    static final int CODEBOOK = 64;

    /** Sizes (images) of every generate call, in call order. */
    static final Queue<Integer> CALLS = new ConcurrentLinkedQueue<>();
    /** Images that may still be made; a call that needs more crashes, and so does every later one. */
    static final AtomicLong CRASH_AFTER = new AtomicLong(Long.MAX_VALUE);
    /** After crashing once, work again (a task that Spark retries succeeds). */
    static volatile boolean crashOnce;
    /** While set, every generate call waits (a run kept in progress); {@link #WAITING} says one is waiting. */
    static final java.util.concurrent.atomic.AtomicBoolean BLOCKED = new java.util.concurrent.atomic.AtomicBoolean();
    static final java.util.concurrent.atomic.AtomicBoolean WAITING = new java.util.concurrent.atomic.AtomicBoolean();

    static final String SLOW_PROPERTY = "vqgen.test.fake.millis_per_image";
    static final String STARTED_PROPERTY = "vqgen.test.fake.started_file";

    /** Not an Exception, so the job's batch retry does not catch it: the task (and the run) fails. */
    static final class SimulatedCrash extends Error {
        SimulatedCrash() {
            super("simulated executor crash");
        }
    }

    private final ModelIdentity identity;

    /** The model's identity is the folder's real fingerprint (as the pipeline's), so that resume can compare it. */
    FakeGenerator(String modelDir) {
        this.identity = Files.isDirectory(Path.of(modelDir)) ? ModelIdentity.of(Path.of(modelDir))
                : new ModelIdentity(modelDir, "sha256:no-folder");
    }

    static void reset() {
        BLOCKED.set(false);
        WAITING.set(false);
        CALLS.clear();
        CRASH_AFTER.set(Long.MAX_VALUE);
        crashOnce = false;
    }

    /** What the system properties ask of a child JVM: say that generation started, and take time per image. */
    private static void slowDown(int images) {
        String started = System.getProperty(STARTED_PROPERTY);
        if (started != null) {
            try {
                Files.writeString(Path.of(started), "generating");
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        long millis = Long.getLong(SLOW_PROPERTY, 0L) * images;
        if (millis > 0) {
            try {
                Thread.sleep(millis);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while slowed down", e);
            }
        }
    }

    /** The token grid the double makes for this prompt, seed and sampling options. */
    static int[] tokens(String prompt, long seed, SamplingOptions sampling) {
        long h = 1125899906842597L;
        for (byte b : (prompt + "|" + sampling).getBytes(StandardCharsets.UTF_8)) {
            h = 31 * h + b;
        }
        SplittableRandom random = new SplittableRandom(h ^ seed * 0x9E3779B97F4A7C15L);
        return random.ints(TOKEN_HEIGHT * TOKEN_WIDTH, 0, CODEBOOK).toArray();
    }

    static int rgbOf(int token) {
        return ((token * 37) & 0xff) << 16 | ((token * 91) & 0xff) << 8 | ((token * 53) & 0xff);
    }

    @Override
    public List<GeneratedImage> generate(SamplingOptions sampling, List<ImageRequest> images) {
        int total = images.size();
        while (BLOCKED.get()) {
            WAITING.set(true);
            try {
                Thread.sleep(50);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while blocked", e);
            }
        }
        CALLS.add(total);
        slowDown(total);
        for (ImageRequest r : images) {
            if (r.prompt().contains("[fail]")) {
                throw new IllegalStateException("simulated failure for '" + r.prompt() + "'");
            }
            if (r.prompt().contains("[oom]") && total > 1) {
                throw new IllegalStateException("simulated out of memory for a batch of " + total + " images");
            }
        }
        if (CRASH_AFTER.addAndGet(-total) < 0) {
            if (crashOnce) {
                CRASH_AFTER.set(Long.MAX_VALUE);
            }
            throw new SimulatedCrash();
        }
        List<GeneratedImage> out = new ArrayList<>();
        for (ImageRequest req : images) {
            int[] grid = tokens(req.classLabel() == null ? req.prompt() : "class " + req.classLabel(), req.seed(), sampling);
            int w = TOKEN_WIDTH * SCALE;
            int h = TOKEN_HEIGHT * SCALE;
            byte[] rgb = new byte[w * h * 3];
            for (int y = 0; y < h; y++) {
                for (int x = 0; x < w; x++) {
                    int c = rgbOf(grid[(y / SCALE) * TOKEN_WIDTH + x / SCALE]);
                    int o = (y * w + x) * 3;
                    rgb[o] = (byte) (c >> 16);
                    rgb[o + 1] = (byte) (c >> 8);
                    rgb[o + 2] = (byte) c;
                }
            }
            out.add(new GeneratedImage(req.seed(), grid, TOKEN_HEIGHT, TOKEN_WIDTH, rgb, null, w, h));
        }
        return out;
    }

    /** The double's sampler label: says which options the double was given (it has no real sampler). */
    @Override
    public String samplerName(SamplingOptions sampling) {
        return "fake(speed=" + sampling.inferSpeed() + ", rule=" + sampling.priorRule() + ")";
    }

    @Override
    public ModelIdentity identity() {
        return identity;
    }

    @Override
    public byte[] encodePng(GeneratedImage image) {
        BufferedImage img = new BufferedImage(image.width(), image.height(), BufferedImage.TYPE_INT_RGB);
        byte[] rgb = image.rgb();
        for (int y = 0; y < image.height(); y++) {
            for (int x = 0; x < image.width(); x++) {
                int o = (y * image.width() + x) * 3;
                img.setRGB(x, y, (rgb[o] & 0xff) << 16 | (rgb[o + 1] & 0xff) << 8 | (rgb[o + 2] & 0xff));
            }
        }
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try {
            ImageIO.write(img, "png", bytes);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return bytes.toByteArray();
    }

    @Override
    public void close() {
    }
}
