package io.vqgen.model.vq;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;
import io.vqgen.model.layers.Attention;

/**
 * The VQ-VAE's spatial self-attention, in the mid blocks and in AttnDownEncoderBlock2D / AttnUpDecoderBlock2D
 * (diffusers {@code Attention} with {@code _from_deprecated_attn_block}, classic {@code AttnProcessor}): normalise,
 * one head over all C channels of the H·W positions (the encoder and decoder set attention_head_dim = C), with the
 * scores' softmax in float32 whatever the dtype (upstream's {@code upcast_softmax}, even for a float64 model: see
 * {@link io.vqgen.model.layers.ScaledDotProductAttention}), the output projection, then the residual connection.
 * rescale_output_factor is 1 in the VQ-VAE, so there is no division.
 */
record SpatialAttention(Norm norm, Attention attention) {

    NDArray forward(NDArray x, NDArray zq) {
        Shape s = x.getShape();
        NDArray h = norm.forward(x, zq).reshape(s.get(0), s.get(1), -1).transpose(0, 2, 1); // [B, H·W, C]
        // not addi: the projection's output may be an inference tensor (see layers.InlineTorchScript#run)
        return attention.forward(h, null, null).transpose(0, 2, 1).reshape(s).add(x);
    }
}
