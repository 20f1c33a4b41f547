package io.vqgen.fuzz;

import java.lang.management.BufferPoolMXBean;
import java.lang.management.ClassLoadingMXBean;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * What every fuzz target asserts for one input, whatever reader it drives:
 * <ul>
 *   <li>the reader either succeeds or refuses the input with one of its own typed errors, whose message names the
 *       file it read (any other exception or error, OutOfMemoryError and StackOverflowError included, is a finding);
 *   <li>it returns within {@link #TIME_LIMIT_SECONDS}, or {@link #WARM_UP_SECONDS} while the JVM is loading classes
 *       for it (it runs on a worker thread, so a hang fails the input instead of stopping the run);
 *   <li>it allocates at most {@link #BASE_BYTES} (or the target's own base) + {@link #BYTES_PER_INPUT_BYTE} × the
 *       input's size, counted on its
 *       thread by the JVM (heap) plus the growth of the direct-buffer pool: a size field that makes a reader allocate
 *       what the file cannot hold is a finding even where the heap would have held it;
 *   <li>nothing from the input runs: the hostile pickles of src/test/reference/bad-weights would create
 *       {@link #PWNED}, which must never exist.
 * </ul>
 */
public final class ReaderContract {
    public static final Path PWNED = Path.of("/tmp/vqgen-pwned-by-pickle");
    /** A reader takes milliseconds for the few kilobytes a fuzzer feeds it; only a hang comes near this. */
    public static final long TIME_LIMIT_SECONDS = Long.getLong("vqgen.fuzz.secondsPerInput", 10);
    /**
     * An input that keeps the JVM loading classes (the first inputs of a target load, and when fuzzing instrument, the
     * reader's classes; the pipeline target's first load starts libtorch: over 10 s on a busy machine) gets another
     * {@link #TIME_LIMIT_SECONDS} as long as classes keep coming, up to this.
     */
    public static final long WARM_UP_SECONDS = 120;
    /**
     * What any input may cost besides its size: fixed-size buffers (the zip reader's 64 KiB tail, a tokenizer's id
     * rows), a file channel, an exception's stack trace. (An input that made the JVM load classes is measured again
     * once they are loaded: loading and instrumenting them allocates megabytes the input did not ask for.)
     */
    public static final long BASE_BYTES = 8L << 20;
    /**
     * Parsed structure per input byte: a JSON tree or a pickle's objects take tens of bytes per byte of text (a
     * one-byte pickle opcode makes a map or list of ~60 bytes), strings are decoded into copies.
     */
    public static final long BYTES_PER_INPUT_BYTE = 256;

    private static final com.sun.management.ThreadMXBean THREADS =
            (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
    private static final ClassLoadingMXBean CLASSES = ManagementFactory.getClassLoadingMXBean();
    private static final BufferPoolMXBean DIRECT = ManagementFactory.getPlatformMXBeans(BufferPoolMXBean.class).stream()
            .filter(p -> p.getName().equals("direct")).findFirst().orElseThrow();

    private final long baseBytes;
    private final List<Class<? extends RuntimeException>> typed;
    private ExecutorService worker = newWorker();

    /** @param typed the reader's own error types: the only exceptions it may throw */
    @SafeVarargs
    public ReaderContract(Class<? extends RuntimeException>... typed) {
        this(BASE_BYTES, typed);
    }

    /** @param baseBytes what any input may cost besides its size, for a reader with larger fixed buffers */
    @SafeVarargs
    public ReaderContract(long baseBytes, Class<? extends RuntimeException>... typed) {
        this.baseBytes = baseBytes;
        this.typed = List.of(typed);
    }

    /**
     * Runs {@code read} on the worker thread and checks the contract.
     *
     * @param inputBytes how many bytes the reader was given (files included), for the allocation budget
     * @param named      text every typed error's message must contain (the file or folder read), or null
     * @param read       the reader call and whatever the target checks on its result
     */
    public void check(long inputBytes, String named, Callable<?> read) {
        Future<Long> run = worker.submit(() -> {
            long classes = CLASSES.getTotalLoadedClassCount();
            long bytes = allocationOf(named, read);
            // loading (and the fuzzer's instrumenting) classes on a path not run before allocates megabytes that
            // the input did not ask for: then measure a second run of the same input, with those classes loaded
            return CLASSES.getTotalLoadedClassCount() == classes ? bytes : allocationOf(named, read);
        });
        long allocated;
        try {
            allocated = result(run);
        } catch (TimeoutException e) {
            run.cancel(true);
            worker.shutdownNow();
            worker = newWorker(); // the stuck thread is a daemon and is left behind
            throw new AssertionError("no result after " + TIME_LIMIT_SECONDS + " s (and no class loaded in that time) for a "
                    + inputBytes + "-byte input: the reader hangs");
        } catch (ExecutionException e) {
            throw rethrow(e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted", e);
        } finally {
            checkNothingRan();
        }
        long budget = baseBytes + BYTES_PER_INPUT_BYTE * inputBytes;
        if (allocated > budget) {
            throw new AssertionError("the reader allocated " + allocated + " bytes for a " + inputBytes
                    + "-byte input (budget " + budget + " = " + baseBytes + " + " + BYTES_PER_INPUT_BYTE + " per byte)");
        }
    }

    /** The run's result within the time limit, extended while the JVM keeps loading classes (see WARM_UP_SECONDS). */
    private static long result(Future<Long> run) throws InterruptedException, ExecutionException, TimeoutException {
        long start = System.nanoTime();
        while (true) {
            long classes = CLASSES.getTotalLoadedClassCount();
            try {
                return run.get(TIME_LIMIT_SECONDS, TimeUnit.SECONDS);
            } catch (TimeoutException e) {
                boolean warmingUp = CLASSES.getTotalLoadedClassCount() != classes;
                if (!warmingUp || System.nanoTime() - start > TimeUnit.SECONDS.toNanos(WARM_UP_SECONDS)) {
                    throw e;
                }
            }
        }
    }

    /** Fails when the sentinel file of the hostile pickles exists: code from an input (or before this run) ran. */
    public static void checkNothingRan() {
        if (Files.exists(PWNED)) {
            throw new AssertionError(PWNED + " exists: code from a fuzzed input ran (or the file was left by an "
                    + "earlier run; remove it and look for what made it)");
        }
    }

    private long allocationOf(String named, Callable<?> read) throws Exception {
        long heapBefore = THREADS.getCurrentThreadAllocatedBytes();
        long directBefore = DIRECT.getMemoryUsed();
        try {
            read.call();
        } catch (RuntimeException e) {
            if (typed.stream().noneMatch(t -> t.isInstance(e))) {
                throw e;
            }
            String message = e.getMessage();
            if (message == null || message.isBlank() || (named != null && !message.contains(named))) {
                throw new AssertionError(e.getClass().getSimpleName() + " does not name " + named + ": " + message, e);
            }
        }
        return THREADS.getCurrentThreadAllocatedBytes() - heapBefore + Math.max(0, DIRECT.getMemoryUsed() - directBefore);
    }

    /** The reader's own throwable, with its own stack trace, so that the fuzzer reports (and deduplicates) it as is. */
    private static RuntimeException rethrow(Throwable t) {
        if (t instanceof Error error) {
            throw error;
        }
        if (t instanceof RuntimeException runtime) {
            return runtime;
        }
        return new IllegalStateException("checked exception from a reader", t);
    }

    private static ExecutorService newWorker() {
        return Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "fuzzed-reader");
            t.setDaemon(true);
            return t;
        });
    }
}
