package io.vqgen.diffusion;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import io.vqgen.weights.ComponentConfig;

/**
 * The mask-and-replace forward process of VQ-Diffusion and its posterior, as diffusers 0.24.0's
 * {@code VQDiffusionScheduler} computes them: schedules in float64 (numpy), logs in float64, then every table
 * used as float32.
 *
 * <p>Notation: K classes including the mask (class K-1), T training timesteps. For timestep t, alpha_t / beta_t /
 * gamma_t are the one-step probabilities of keeping a token / replacing it by one given other class / masking it;
 * the cumulative tables hold the same for the whole way from x0 to x_t, with an extra entry at index T for "no
 * step at all" (alpha 1, beta 0 (log -inf), gamma 0 (log -inf)).
 *
 * <p>Beyond diffusers, {@link #posterior(NDArray, NDArray, int, int)} also gives q(x_s | x_t, x0) for any s &lt; t
 * (the jump of the research code's fast sampler when asked for the exact multi-step posterior): two
 * mask-and-replace steps compose into one with alpha = alpha_t~/alpha_s~ and 1-gamma = (1-gamma_t~)/(1-gamma_s~),
 * and for s = t-1 those are exactly the one-step tables.
 */
public final class VqDiffusionScheduler {
    /** {@code log(1e-30)} in float32: the "zero" of diffusers' log one-hot vectors. */
    static final float LOG_ZERO = (float) Math.log(1e-30f);
    /** Elements per piece of the posterior: 1 Mi float32 = 4 MiB per temporary. */
    private static final int CHUNK_ELEMENTS = 1 << 20;

    private final int numClasses;
    private final int numTrainTimesteps;
    /** [T+1]: 1, then the cumulative alpha of t = 0..T-1 (numpy's {@code att} before its shift). */
    private final double[] alphaCum;
    /** [T+1]: 0, then the cumulative gamma of t = 0..T-1. */
    private final double[] gammaCum;
    private final float[] logAt;
    private final float[] logBt;
    private final float[] logCt;
    private final float[] logCumprodAt;
    private final float[] logCumprodBt;
    private final float[] logCumprodCt;
    /** The last step (t = 0) draws from the posterior over all K classes, as the research code does (vqgen key). */
    private final boolean posteriorLastStep;

    /**
     * @param numClasses        K = {@code num_vec_classes}, the codebook size plus the mask class
     * @param numTrainTimesteps T = {@code num_train_timesteps}
     */
    public VqDiffusionScheduler(int numClasses, int numTrainTimesteps, double alphaCumStart, double alphaCumEnd,
                                double gammaCumStart, double gammaCumEnd) {
        this(numClasses, numTrainTimesteps, alphaCumStart, alphaCumEnd, gammaCumStart, gammaCumEnd, false);
    }

    /**
     * @param posteriorLastStep the last step (t = 0) samples from the posterior over all K classes (the research
     *                          release's {@code DiffusionTransformer}) instead of from the prediction over the K-1 real
     *                          classes (diffusers); the same distribution up to the mask class's e^-69, but a draw of
     *                          K uniforms per token, which a reproduction of the research code's random stream needs
     */
    public VqDiffusionScheduler(int numClasses, int numTrainTimesteps, double alphaCumStart, double alphaCumEnd,
                                double gammaCumStart, double gammaCumEnd, boolean posteriorLastStep) {
        this.posteriorLastStep = posteriorLastStep;
        if (numClasses < 2) {
            throw new IllegalArgumentException("num_vec_classes must be at least 2 (one class plus the mask), got "
                    + numClasses);
        }
        if (numTrainTimesteps < 2) {
            throw new IllegalArgumentException("num_train_timesteps must be at least 2, got " + numTrainTimesteps);
        }
        checkProbability("alpha_cum_start", alphaCumStart);
        checkProbability("alpha_cum_end", alphaCumEnd);
        checkProbability("gamma_cum_start", gammaCumStart);
        checkProbability("gamma_cum_end", gammaCumEnd);
        this.numClasses = numClasses;
        this.numTrainTimesteps = numTrainTimesteps;
        int n = numTrainTimesteps;
        double realClasses = numClasses - 1;

        // numpy: np.arange(0, T) / (T - 1) * (end - start) + start, then [1] (alpha) or [0] (gamma) in front
        alphaCum = new double[n + 1];
        gammaCum = new double[n + 1];
        alphaCum[0] = 1;
        gammaCum[0] = 0;
        for (int i = 0; i < n; i++) {
            double x = (double) i / (n - 1);
            alphaCum[i + 1] = x * (alphaCumEnd - alphaCumStart) + alphaCumStart;
            gammaCum[i + 1] = x * (gammaCumEnd - gammaCumStart) + gammaCumStart;
        }
        logAt = new float[n];
        logBt = new float[n];
        logCt = new float[n];
        for (int t = 0; t < n; t++) {
            Transition step = composite(t - 1, t);
            logAt[t] = (float) Math.log(step.alpha);
            logBt[t] = (float) Math.log(step.beta);
            logCt[t] = (float) Math.log(step.gamma);
        }
        // numpy: att = [att_0 .. att_{T-1}, 1], ctt = [ctt_0 .. ctt_{T-1}, 0], btt = (1 - att - ctt) / (K-1)
        logCumprodAt = new float[n + 1];
        logCumprodBt = new float[n + 1];
        logCumprodCt = new float[n + 1];
        for (int t = 0; t <= n; t++) {
            double att = t < n ? alphaCum[t + 1] : 1;
            double ctt = t < n ? gammaCum[t + 1] : 0;
            logCumprodAt[t] = (float) Math.log(att);
            logCumprodBt[t] = (float) Math.log((1 - att - ctt) / realClasses);
            logCumprodCt[t] = (float) Math.log(ctt);
        }
    }

    /** The reference class whose config this is (and whose defaults absent keys take). */
    public static final String CLASS = "VQDiffusionScheduler";

    /**
     * From a diffusers {@code scheduler_config.json}: {@code num_vec_classes} is required (at least 2: a class and the
     * mask), {@code num_train_timesteps} (at least 2) and the schedule's ends (in [0, 1]) take diffusers' defaults.
     * vqgen's key {@code last_step}: "prediction" (diffusers, the default) or "posterior" (the research release).
     */
    public static VqDiffusionScheduler fromConfig(ComponentConfig config) {
        ComponentConfig c = config.as(CLASS);
        return new VqDiffusionScheduler(c.integer("num_vec_classes", 2), numTrainTimesteps(c),
                c.number("alpha_cum_start", 0, 1), c.number("alpha_cum_end", 0, 1),
                c.number("gamma_cum_start", 0, 1), c.number("gamma_cum_end", 0, 1),
                c.choice("last_step", "prediction", "posterior").equals("posterior"));
    }

    /** {@code num_train_timesteps} as {@link #fromConfig} reads it: diffusers' default 100, at least 2. */
    public static int numTrainTimesteps(ComponentConfig config) {
        return config.as(CLASS).integer("num_train_timesteps", 2);
    }

    /** K: the number of classes including the mask. */
    public int numClasses() {
        return numClasses;
    }

    /** The mask class, K-1. */
    public int maskClass() {
        return numClasses - 1;
    }

    public int numTrainTimesteps() {
        return numTrainTimesteps;
    }

    /**
     * diffusers' {@code set_timesteps}: the last {@code steps} timesteps, {@code steps-1, ..., 1, 0} (not spread
     * over the training range).
     */
    public int[] timesteps(int steps) {
        checkSteps(steps);
        int[] out = new int[steps];
        for (int i = 0; i < steps; i++) {
            out[i] = steps - 1 - i;
        }
        return out;
    }

    /** Rejects a step count diffusers cannot run (it fails with an index error past num_train_timesteps). */
    public void checkSteps(int steps) {
        if (steps < 1 || steps > numTrainTimesteps) {
            throw new IllegalArgumentException("number of inference steps must be in 1.." + numTrainTimesteps
                    + " (the scheduler's num_train_timesteps), got " + steps);
        }
    }

    /** float32 {@code log_at} (one value per timestep), as diffusers stores it. */
    public float[] logAt() {
        return logAt.clone();
    }

    public float[] logBt() {
        return logBt.clone();
    }

    public float[] logCt() {
        return logCt.clone();
    }

    /** float32 {@code log_cumprod_at}: T+1 values, the last one log(1) = 0. */
    public float[] logCumprodAt() {
        return logCumprodAt.clone();
    }

    /** float32 {@code log_cumprod_bt}: T+1 values, the last one log(0) = -inf. */
    public float[] logCumprodBt() {
        return logCumprodBt.clone();
    }

    /** float32 {@code log_cumprod_ct}: T+1 values, the last one log(0) = -inf. */
    public float[] logCumprodCt() {
        return logCumprodCt.clone();
    }

    /**
     * diffusers' {@code q_posterior}: log p(x_{t-1} | x_t) = log sum over x0 of q(x_{t-1} | x_t, x0) p(x0 | x_t).
     *
     * @param logPx0 float32 [B, K-1, N]
     * @param xt     int64 [B, N]
     * @param t      1 .. T-1
     * @return float32 [B, K, N], created on {@code logPx0}'s manager
     */
    public NDArray qPosterior(NDArray logPx0, NDArray xt, int t) {
        return posterior(logPx0, xt, t, t - 1);
    }

    /**
     * log p(x_s | x_t) for any 0 &lt;= s &lt; t &lt;= T-1, the multi-step generalisation of {@link #qPosterior}
     * (identical to it for s = t-1).
     */
    public NDArray posterior(NDArray logPx0, NDArray xt, int t, int s) {
        checkSteps(t, s);
        return posterior(logPx0, xt, t, s, Math.max(1, CHUNK_ELEMENTS / (numClasses - 1)));
    }

    private void checkSteps(int t, int s) {
        if (t < 1 || t >= numTrainTimesteps || s < 0 || s >= t) {
            throw new IllegalArgumentException("posterior needs 0 <= s < t <= " + (numTrainTimesteps - 1)
                    + ", got t=" + t + ", s=" + s);
        }
    }

    /**
     * {@link #posterior} over at most {@code columns} (image, token) columns at a time, so that each piece's dozen
     * temporaries stay in the CPU's cache (unchunked, at batch 4 of the bench model, they stream 64 MB tensors
     * through memory and the posterior costs 10x its batch-1 time instead of 4x). Every operation works column by
     * column: in the model's layout (classes contiguous) the result is the same bits whatever the piece size, and
     * an image's posterior never depends on the other images of the batch.
     *
     * @return float32 [B, K, N], stored classes-contiguous like the model's output
     */
    NDArray posterior(NDArray logPx0, NDArray xt, int t, int s, int columns) {
        if (!(t == 0 && s == -1)) { // (0, -1): the research code's last step, reached only through stepLogProbs
            checkSteps(t, s);
        }
        checkInputs(logPx0, xt);
        NDManager m = logPx0.getManager();
        long batch = xt.getShape().get(0);
        long tokens = xt.getShape().get(1);
        NDList pieces = new NDList(); // [1, n, K] each, image-major
        for (long b = 0; b < batch; b++) {
            for (long n = 0; n < tokens; n += columns) {
                long end = Math.min(tokens, n + columns);
                try (NDManager scope = m.newSubManager()) {
                    scope.tempAttachAll(logPx0, xt);
                    NDArray piece = posteriorColumns(logPx0.get(new NDIndex("{}:{}, :, {}:{}", b, b + 1, n, end)),
                            xt.get(new NDIndex("{}:{}, {}:{}", b, b + 1, n, end)), t, s);
                    piece.attach(m);
                    pieces.add(piece);
                }
            }
        }
        NDArray all = pieces.head();
        if (pieces.size() > 1) {
            all = NDArrays.concat(pieces, 1);
            pieces.close();
        }
        return all.reshape(batch, tokens, numClasses).transpose(0, 2, 1);
    }

    /** The posterior of a few columns: logPx0 [b, K-1, n], xt [b, n] → [b, n, K], contiguous. */
    private NDArray posteriorColumns(NDArray logPx0, NDArray xt, int t, int s) {
        NDManager m = logPx0.getManager();
        // built [B, N, K-1] and viewed as [B, K-1, N]: the model's log-probabilities are stored classes-contiguous,
        // and element-wise operations between operands of one layout run in order (several times faster)
        NDArray isClass = m.arange(0, numClasses - 1, 1, DataType.INT64).reshape(1, 1, numClasses - 1)
                .eq(xt.expandDims(2)).transpose(0, 2, 1);
        NDArray masked = xt.eq(maskClass()).expandDims(1);

        // log q(x_t | x0) for every x0 class, i.e. the cumulative transition rows picked by x_t
        NDArray logQxtGivenX0 = transitionRows(m, isClass, masked,
                logCumprodAt[t], logCumprodBt[t], logCumprodCt[t]);
        NDArray q = logPx0.sub(logQxtGivenX0);
        NDArray qLogSumExp = LogMath.logSumExp(q, 1);
        q = q.sub(qLogSumExp);
        // apply_cumulative_transitions(q, s): class rows logaddexp(q + a~_s, b~_s), mask row c~_s
        // s = -1 (the research code's last step): the schedules' entry T, a~ = 1, b~ = c~ = 0
        int cum = s < 0 ? numTrainTimesteps : s;
        NDArray classRows = LogMath.logAddExp(q.add(logCumprodAt[cum]), logCumprodBt[cum]);

        // log q(x_t | x_s) for every x_s class (one step when s = t-1); the mask row is the mask one-hot of x_t
        Transition jump = composite(s, t);
        NDArray logQxtGivenXs = transitionRows(m, isClass, masked,
                (float) Math.log(jump.alpha), (float) Math.log(jump.beta), (float) Math.log(jump.gamma));
        classRows = classRows.add(logQxtGivenXs).add(qLogSumExp);
        NDArray fromMask = Where.where(masked, m.create(0f), m.create(LOG_ZERO));
        NDArray maskRow = fromMask.add(logCumprodCt[cum]).add(qLogSumExp);
        return classRows.transpose(0, 2, 1).concat(maskRow.transpose(0, 2, 1), 2);
    }

    /**
     * What diffusers' {@code step} samples from: the posterior for t &gt; 0 ([B, K, N]), the model output itself
     * at t = 0 ([B, K-1, N], so the last step never yields the mask class).
     */
    public NDArray stepLogProbs(NDArray logPx0, NDArray xt, int t) {
        if (t == 0 && posteriorLastStep) {
            return posterior(logPx0, xt, 0, -1, Math.max(1, CHUNK_ELEMENTS / (numClasses - 1)));
        }
        if (t == 0) {
            checkInputs(logPx0, xt);
            return logPx0;
        }
        return qPosterior(logPx0, xt, t);
    }

    /** diffusers' {@code step}: x_{t-1} drawn from {@link #stepLogProbs}; int64 [B, N]. */
    public NDArray step(NDArray logPx0, int t, NDArray xt, NoiseSource noise, int call) {
        return noise.sampleClasses(stepLogProbs(logPx0, xt, t), call);
    }

    /**
     * Each column is the row of a transition matrix picked by x_t, over the K-1 real source classes:
     * {@code logaddexp(log_onehot + a, b)} (a+b where the source class is x_t, b elsewhere), c in masked columns.
     */
    private static NDArray transitionRows(NDManager m, NDArray isClass, NDArray masked, float a, float b, float c) {
        float same = LogMath.logAddExp(a, b);
        float other = LogMath.logAddExp(LOG_ZERO + a, b);
        NDArray rows = Where.where(isClass, m.create(same), m.create(other));
        return Where.where(masked, m.create(c), rows);
    }

    private void checkInputs(NDArray logPx0, NDArray xt) {
        Shape p = logPx0.getShape();
        Shape x = xt.getShape();
        if (p.dimension() != 3 || p.get(1) != numClasses - 1) {
            throw new IllegalArgumentException("log p(x0) must be [batch, " + (numClasses - 1)
                    + " classes, tokens], got " + p);
        }
        if (logPx0.getDataType() != DataType.FLOAT32) {
            throw new IllegalArgumentException("log p(x0) must be float32, got " + logPx0.getDataType());
        }
        if (x.dimension() != 2 || x.get(0) != p.get(0) || x.get(1) != p.get(2)) {
            throw new IllegalArgumentException("tokens must be [" + p.get(0) + ", " + p.get(2)
                    + "] to match log p(x0) " + p + ", got " + x);
        }
        if (xt.getDataType() != DataType.INT64) {
            throw new IllegalArgumentException("tokens must be int64, got " + xt.getDataType());
        }
    }

    /** The mask-and-replace step from timestep s to t (s = -1: from x0), from the float64 schedules. */
    private Transition composite(int s, int t) {
        double alpha = alphaCum[t + 1] / alphaCum[s + 1];
        double gamma = 1 - (1 - gammaCum[t + 1]) / (1 - gammaCum[s + 1]);
        double beta = (1 - alpha - gamma) / (numClasses - 1);
        return new Transition(alpha, beta, gamma);
    }

    private record Transition(double alpha, double beta, double gamma) {
    }

    private static void checkProbability(String name, double v) {
        if (!(v >= 0 && v <= 1)) {
            throw new IllegalArgumentException("scheduler config: '" + name + "' must be in [0, 1], got " + v);
        }
    }

    @Override
    public String toString() {
        return "VqDiffusionScheduler[classes=" + numClasses + ", timesteps=" + numTrainTimesteps + "]";
    }
}
