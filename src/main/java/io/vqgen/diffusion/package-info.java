/**
 * VQ-Diffusion sampling over DJL NDArrays, independent of the networks.
 *
 * <ul>
 *   <li>{@link io.vqgen.diffusion.VqDiffusionScheduler}: diffusers 0.24.0's tables, posterior and step (plus the
 *       multi-step posterior q(x_s | x_t, x0)).</li>
 *   <li>{@link io.vqgen.diffusion.Guidance}, {@link io.vqgen.diffusion.Truncation}: the pipeline's CFG mixing and
 *       truncation (same result as diffusers, without its two sorts).</li>
 *   <li>{@link io.vqgen.diffusion.NoiseSource}: {@link io.vqgen.diffusion.ReferenceNoise} (diffusers' stream,
 *       JVM-wide lock) or {@link io.vqgen.diffusion.PerImageNoise} (per-image, batch-independent).</li>
 *   <li>{@link io.vqgen.diffusion.Sampler}: {@link io.vqgen.diffusion.ReferenceSampler} (diffusers),
 *       {@link io.vqgen.diffusion.FastSampler} (research time stride), {@link io.vqgen.diffusion.UnmaskingSampler}
 *       (research high-quality / purity); {@link io.vqgen.diffusion.Samplers#research} maps the research code's
 *       infer_speed / prior_rule / prior_weight onto them.</li>
 * </ul>
 *
 * <p>The model side is a {@link io.vqgen.diffusion.DenoisingModel} (transformer + guidance in the pipeline);
 * samplers apply truncation and the -70 floor to its output, which keeps diffusers' order: transformer, CFG,
 * truncate, clamp, step.
 */
package io.vqgen.diffusion;
