package io.vqgen.model.vq;

import ai.djl.ndarray.NDArray;
import io.vqgen.model.layers.Activation;
import io.vqgen.model.layers.CallScope;
import io.vqgen.model.vq.VqConfig.NormType;

import java.util.ArrayList;
import java.util.List;

/**
 * diffusers' VAE {@code Encoder} with {@code double_z=False}: conv_in, DownEncoderBlock2Ds or
 * AttnDownEncoderBlock2Ds (each halving the size except the last), mid block, group norm, SiLU (always SiLU
 * here, whatever act_fn says), conv_out to latent_channels.
 */
record Encoder(Conv convIn, List<DownBlock> downBlocks, MidBlock mid, GroupNorm normOut, Conv convOut) {

    static Encoder load(LayerLoader l, VqConfig c) {
        String p = "encoder.";
        Conv convIn = l.conv(p + "conv_in", c.inChannels(), c.channels(0), 3, 1, 1);
        List<DownBlock> blocks = new ArrayList<>();
        int out = c.channels(0);
        for (int i = 0; i < c.blocks(); i++) {
            int in = out;
            out = c.channels(i);
            String b = p + "down_blocks." + i;
            List<ResnetBlock> resnets = new ArrayList<>();
            List<SpatialAttention> attentions = new ArrayList<>();
            for (int j = 0; j < c.layersPerBlock(); j++) {
                resnets.add(l.resnet(b + ".resnets." + j, j == 0 ? in : out, out, NormType.GROUP));
                if (c.downBlockAttention(i)) {
                    attentions.add(l.attention(b + ".attentions." + j, out, NormType.GROUP));
                }
            }
            boolean last = i == c.blocks() - 1;
            blocks.add(new DownBlock(List.copyOf(resnets), List.copyOf(attentions),
                    last ? null : new Downsample(l.conv(b + ".downsamplers.0.conv", out, out, 3, 2, 0))));
        }
        int top = c.channels(c.blocks() - 1);
        return new Encoder(convIn, List.copyOf(blocks),
                l.midBlock(p + "mid_block", top, NormType.GROUP),
                l.groupNorm(p + "conv_norm_out", top, c.normNumGroups()),
                l.conv(p + "conv_out", top, c.latentChannels(), 3, 1, 1));
    }

    /** images [B, in_channels, H, W] → [B, latent_channels, H/f, W/f]; consumes its input. */
    NDArray forward(NDArray x) {
        NDArray h = CallScope.advance(x, convIn::forward);
        for (DownBlock b : downBlocks) {
            h = b.forward(h);
        }
        h = mid.forward(h, null);
        return CallScope.advance(h, a -> convOut.forward(Activation.SILU.apply(normOut.forward(a))));
    }
}
