package io.vqgen.model.vq;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;

/**
 * The VQ-VAE's spatial self-attention, in the mid blocks and in AttnDownEncoderBlock2D / AttnUpDecoderBlock2D
 * (diffusers {@code Attention} with {@code _from_deprecated_attn_block}, classic {@code AttnProcessor}): normalise, one head over all C channels (the encoder and decoder set
 * attention_head_dim = C), softmax(QKᵀ/√C) in float32 whatever the dtype ({@code upcast_softmax}:
 * {@code scores.float()}, even for a float64 model), output projection, then the
 * residual connection. rescale_output_factor is 1 in the VQ-VAE, so there is no division.
 */
record Attention(Norm norm, Linear query, Linear key, Linear value, Linear out, float scale) {

    NDArray forward(NDArray x, NDArray zq) {
        Shape s = x.getShape();
        long b = s.get(0);
        long c = s.get(1);
        NDArray h = norm.forward(x, zq).reshape(b, c, -1).transpose(0, 2, 1);
        NDArray q = query.forward(h);
        NDArray k = key.forward(h);
        NDArray v = value.forward(h);
        DataType type = q.getDataType();
        NDArray probs = q.matMul(k.transpose(0, 2, 1)).muli(scale)
                .toType(DataType.FLOAT32, false).softmax(-1).toType(type, false);
        NDArray o = out.forward(probs.matMul(v)).transpose(0, 2, 1).reshape(s);
        return o.addi(x);
    }
}
