package io.vqgen.cli;

import io.vqgen.pipeline.ProgressListener;

import java.io.PrintWriter;

/**
 * {@code vqgen generate}'s progress on stderr. On a terminal, one line redrawn in place after every network call:
 * a bar of the images done, the batch's step, images/s and the time left. Elsewhere (a log file, a pipe), one plain
 * line per batch, so that logs hold no carriage returns.
 */
final class GenerateProgress implements ProgressListener {
    private static final int WIDTH = 24;

    private final PrintWriter err;
    private final boolean terminal;
    private final int total;
    private final int batches;
    private final long started = System.nanoTime();
    private int done;
    private int batch;

    GenerateProgress(PrintWriter err, boolean terminal, int totalImages, int batches) {
        this.err = err;
        this.terminal = terminal;
        this.total = totalImages;
        this.batches = batches;
    }

    /** Called before each batch. */
    void batchStarts() {
        batch++;
    }

    @Override
    public void onStep(int call, int calls, int timestep, int images) {
        if (!terminal) {
            return;
        }
        // images done so far, plus the current batch's share of its calls
        double progress = done + images * (call / (double) calls);
        int filled = (int) Math.round(WIDTH * progress / total);
        err.print("\r[" + "#".repeat(filled) + ".".repeat(WIDTH - filled) + "] " + done + "/" + total
                + " images | batch " + batch + "/" + batches + " step " + call + "/" + calls + " | " + rate(progress)
                + "\u001b[K");
        err.flush();
    }

    @Override
    public void onBatch(int images, double textSeconds, double denoiseSeconds, double decodeSeconds) {
        done += images;
        if (terminal) {
            if (done == total) {
                err.print("\r\u001b[K");
                err.flush();
            }
            return;
        }
        err.printf("batch %d/%d: %d image(s) in %.1f s; %d/%d images, %s%n", batch, batches, images,
                textSeconds + denoiseSeconds + decodeSeconds, done, total, rate(done));
        err.flush();
    }

    private String rate(double progress) {
        double seconds = (System.nanoTime() - started) / 1e9;
        double perSecond = seconds > 0 ? progress / seconds : 0;
        String eta = perSecond > 0 ? io.vqgen.job.Durations.format((total - progress) / perSecond) : "unknown";
        return String.format("%.2f images/s, ETA %s", perSecond, eta);
    }
}
