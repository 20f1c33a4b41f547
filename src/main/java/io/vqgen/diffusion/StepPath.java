package io.vqgen.diffusion;

import ai.djl.Device;

/**
 * Where the per-step work of a sampling call runs. Chosen by device in one place, {@link #forDevice}; every
 * strategy that differs between the two is picked by this value (truncation thresholds, per-image class draws, the
 * posterior's piece size, the check of the initial tokens).
 *
 * <p>Both paths give the same token grids for the same log-probabilities: the device path on the CPU is checked
 * against the host path, token for token, in both noise modes and with every sampler.
 */
public enum StepPath {
    /**
     * Tuned for the CPU, where reading a tensor is free: truncation thresholds by a selection in Java over the
     * log-probabilities read in place ({@link ColumnCut}), per-image classes by a scan of running sums on the host with
     * uniforms hashed per call, the posterior in cache-sized pieces, the initial tokens read back and checked.
     */
    HOST,
    /**
     * Everything on the device the tensors are on, for GPUs: thresholds from a sort and a float64 cumulative sum,
     * per-image classes by an inverse-CDF count over a float64 cumulative sum with uniforms uploaded once per call,
     * scalar operands made once per JVM on the device, nothing read back. Between the first network call and the last,
     * no tensor is copied to or from the host, so no step waits for the device.
     */
    DEVICE;

    /** The path for tensors on {@code device}: {@link #HOST} on the CPU, {@link #DEVICE} elsewhere. */
    public static StepPath forDevice(Device device) {
        return device.getDeviceType().equals(Device.Type.CPU) ? HOST : DEVICE;
    }
}
