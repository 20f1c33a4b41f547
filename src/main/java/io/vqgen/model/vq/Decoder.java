package io.vqgen.model.vq;

import ai.djl.ndarray.NDArray;
import io.vqgen.model.layers.Activation;
import io.vqgen.model.layers.CallScope;

import java.util.ArrayList;
import java.util.List;

/**
 * diffusers' VAE {@code Decoder}: conv_in, mid block, UpDecoderBlock2Ds or AttnUpDecoderBlock2Ds
 * (layers_per_block + 1 resnets each, doubling the size except the last), norm, SiLU (always SiLU here, whatever
 * act_fn says), conv_out. With norm_type spatial every norm is a SpatialNorm conditioned on the codebook vectors.
 */
record Decoder(Conv convIn, MidBlock mid, List<UpBlock> upBlocks, Norm normOut, Conv convOut) {

    static Decoder load(LayerLoader l, VqConfig c) {
        String p = "decoder.";
        VqConfig.NormType norm = c.normType();
        int top = c.channels(c.blocks() - 1);
        Conv convIn = l.conv(p + "conv_in", c.latentChannels(), top, 3, 1, 1);
        MidBlock mid = l.midBlock(p + "mid_block", top, norm);
        List<UpBlock> blocks = new ArrayList<>();
        int out = top;
        for (int i = 0; i < c.blocks(); i++) {
            int in = out;
            out = c.channels(c.blocks() - 1 - i);
            String b = p + "up_blocks." + i;
            List<ResnetBlock> resnets = new ArrayList<>();
            List<SpatialAttention> attentions = new ArrayList<>();
            for (int j = 0; j < c.layersPerBlock() + 1; j++) {
                resnets.add(l.resnet(b + ".resnets." + j, j == 0 ? in : out, out, norm));
                if (c.upBlockAttention(i)) {
                    attentions.add(l.attention(b + ".attentions." + j, out, norm));
                }
            }
            boolean last = i == c.blocks() - 1;
            blocks.add(new UpBlock(List.copyOf(resnets), List.copyOf(attentions),
                    last ? null : new Upsample(l.conv(b + ".upsamplers.0.conv", out, out, 3, 1, 1))));
        }
        return new Decoder(convIn, mid, List.copyOf(blocks),
                l.norm(p + "conv_norm_out", c.channels(0), norm),
                l.conv(p + "conv_out", c.channels(0), c.outChannels(), 3, 1, 1));
    }

    /**
     * @param z  [B, latent_channels, h, w] after post_quant_conv; consumed
     * @param zq the codebook vectors before post_quant_conv (spatial norm only, else null)
     * @return [B, out_channels, h·f, w·f]
     */
    NDArray forward(NDArray z, NDArray zq) {
        NDArray h = CallScope.advance(z, convIn::forward);
        h = mid.forward(h, zq);
        for (UpBlock b : upBlocks) {
            h = b.forward(h, zq);
        }
        return CallScope.advance(h, a -> convOut.forward(Activation.SILU.apply(normOut.forward(a, zq))));
    }
}
