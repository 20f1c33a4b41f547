package io.vqgen.model;

import io.vqgen.weights.LoadOptions;
import io.vqgen.weights.RawTensor;
import io.vqgen.weights.StateDict;
import io.vqgen.weights.StorageType;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * Random float32 weights with diffusers' Transformer2DModel parameter names and shapes for a
 * config: for speed measurements and for configurations the reference has no checkpoint of.
 */
final class SyntheticWeights {
    private final Map<String, RawTensor> tensors = new LinkedHashMap<>();
    private final SplittableRandom random;

    private SyntheticWeights(long seed) {
        random = new SplittableRandom(seed);
    }

    static StateDict transformer(Transformer2DConfig c, long seed) {
        SyntheticWeights w = new SyntheticWeights(seed);
        long dim = c.innerDim();
        long k = c.numVectorEmbeds();
        w.add("latent_image_embedding.emb.weight", k, dim);
        w.add("latent_image_embedding.height_emb.weight", c.height(), dim);
        w.add("latent_image_embedding.width_emb.weight", c.width(), dim);
        for (int i = 0; i < c.numLayers(); i++) {
            String b = "transformer_blocks." + i + ".";
            w.norm(c, b + "norm1");
            w.attention(c, b + "attn1", c.onlyCrossAttention() ? c.crossAttentionDim() : dim);
            if (c.crossAttentionDim() != null) {
                w.norm(c, b + "norm2");
                w.attention(c, b + "attn2", c.crossAttentionDim());
            }
            if (c.normElementwiseAffine()) {
                w.layerNorm(b + "norm3", dim);
            }
            long inner = dim * Transformer2DConfig.FF_MULT;
            w.linear(b + "ff.net.0.proj", dim, c.feedForwardGated() ? 2 * inner : inner, true);
            w.linear(b + "ff.net.2", inner, dim, true);
        }
        w.layerNorm("norm_out", dim);
        w.linear("out", dim, k - 1, true);
        return new StateDict("transformer", w.tensors, LoadOptions.cpuFloat32());
    }

    private void norm(Transformer2DConfig c, String name) {
        long dim = c.innerDim();
        if (c.adaNorm()) {
            add(name + ".emb.weight", c.numEmbedsAdaNorm(), dim);
            linear(name + ".linear", dim, 2 * dim, true);
        } else if (c.normElementwiseAffine()) {
            layerNorm(name, dim);
        }
    }

    private void attention(Transformer2DConfig c, String name, long contextDim) {
        long dim = c.innerDim();
        linear(name + ".to_q", dim, dim, c.attentionBias());
        linear(name + ".to_k", contextDim, dim, c.attentionBias());
        linear(name + ".to_v", contextDim, dim, c.attentionBias());
        linear(name + ".to_out.0", dim, dim, true);
    }

    private void linear(String name, long in, long out, boolean bias) {
        add(name + ".weight", out, in);
        if (bias) {
            add(name + ".bias", out);
        }
    }

    /** weight and bias [dim] of an affine layer norm. */
    private void layerNorm(String name, long dim) {
        add(name + ".weight", dim);
        add(name + ".bias", dim);
    }

    private void add(String name, long... shape) {
        int n = Math.toIntExact(RawTensor.elementCount(shape));
        ByteBuffer data = ByteBuffer.allocate(n * 4).order(ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i < n; i++) {
            data.putFloat((float) ((random.nextDouble() - 0.5) * 0.1));
        }
        data.flip();
        tensors.put(name, new RawTensor(name, StorageType.F32, shape, data, "synthetic"));
    }
}
