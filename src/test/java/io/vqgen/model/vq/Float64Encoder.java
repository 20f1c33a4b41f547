package io.vqgen.model.vq;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import io.vqgen.weights.RawTensor;
import io.vqgen.weights.StateDict;
import io.vqgen.weights.StorageType;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * An independent, plain-Java float64 evaluation of diffusers' VQ-VAE encoder path (conv, group norm, SiLU,
 * ResnetBlock2D, Downsample2D with its (0,1,0,1) padding, the attention of mid blocks and AttnDownEncoderBlock2Ds,
 * quant_conv; and the decoder's nearest ×2 Upsample2D) for one image,
 * straight from the weights by name: loops over arrays, no DJL, no libtorch. Reads weights without marking
 * them taken.
 */
final class Float64Encoder {
    private static final double EPS = 1e-6;

    /** A [C, H, W] activation, row-major. */
    record Map(int c, int h, int w, double[] v) {
        double at(int ch, int y, int x) {
            return v[(ch * h + y) * w + x];
        }
    }

    private final StateDict weights;
    private final VqConfig config;

    Float64Encoder(StateDict weights, VqConfig config) {
        this.weights = weights;
        this.config = config;
    }

    /** encoder + quant_conv, as VQModel.encode. */
    Map encode(Map image) {
        String p = "encoder.";
        Map h = conv(image, p + "conv_in", 1, 1, 0);
        for (int i = 0; i < config.blocks(); i++) {
            for (int j = 0; j < config.layersPerBlock(); j++) {
                h = resnet(h, p + "down_blocks." + i + ".resnets." + j);
                if (config.downBlockAttention(i)) {
                    h = attention(h, p + "down_blocks." + i + ".attentions." + j);
                }
            }
            if (i < config.blocks() - 1) {
                h = downsample(h, p + "down_blocks." + i + ".downsamplers.0.conv");
            }
        }
        h = resnet(h, p + "mid_block.resnets.0");
        h = attention(h, p + "mid_block.attentions.0");
        h = resnet(h, p + "mid_block.resnets.1");
        h = conv(silu(groupNorm(h, p + "conv_norm_out")), p + "conv_out", 1, 1, 0);
        return conv(h, "quant_conv", 1, 0, 0);
    }

    Map resnet(Map x, String name) {
        Map h = conv(silu(groupNorm(x, name + ".norm1")), name + ".conv1", 1, 1, 0);
        h = conv(silu(groupNorm(h, name + ".norm2")), name + ".conv2", 1, 1, 0);
        Map skip = weights.contains(name + ".conv_shortcut.weight") ? conv(x, name + ".conv_shortcut", 1, 0, 0) : x;
        double[] out = new double[h.v.length];
        for (int i = 0; i < out.length; i++) {
            out[i] = skip.v[i] + h.v[i];
        }
        return new Map(h.c, h.h, h.w, out);
    }

    Map downsample(Map x, String name) {
        return conv(x, name, 2, 0, 1);
    }

    /** Upsample2D with use_conv: nearest-neighbour ×2, then a 3×3 conv with padding 1. */
    Map upsample(Map x, String name) {
        double[] y = new double[x.v.length * 4];
        for (int ch = 0; ch < x.c; ch++) {
            for (int yy = 0; yy < 2 * x.h; yy++) {
                for (int xx = 0; xx < 2 * x.w; xx++) {
                    y[(ch * 2 * x.h + yy) * 2 * x.w + xx] = x.at(ch, yy / 2, xx / 2);
                }
            }
        }
        return conv(new Map(x.c, 2 * x.h, 2 * x.w, y), name, 1, 1, 0);
    }

    /** Conv2d with square kernel; {@code pad} on every side plus {@code extra} more on the right and bottom. */
    Map conv(Map x, String name, int stride, int pad, int extra) {
        RawTensor wt = weights.tensors().get(name + ".weight");
        int out = (int) wt.shape()[0];
        int k = (int) wt.shape()[2];
        double[] w = values(wt);
        double[] b = values(weights.tensors().get(name + ".bias"));
        int oh = (x.h + 2 * pad + extra - k) / stride + 1;
        int ow = (x.w + 2 * pad + extra - k) / stride + 1;
        double[] y = new double[out * oh * ow];
        for (int o = 0; o < out; o++) {
            for (int oy = 0; oy < oh; oy++) {
                for (int ox = 0; ox < ow; ox++) {
                    double s = b[o];
                    for (int i = 0; i < x.c; i++) {
                        for (int ky = 0; ky < k; ky++) {
                            int iy = oy * stride - pad + ky;
                            if (iy < 0 || iy >= x.h) {
                                continue;
                            }
                            for (int kx = 0; kx < k; kx++) {
                                int ix = ox * stride - pad + kx;
                                if (ix >= 0 && ix < x.w) {
                                    s += w[((o * x.c + i) * k + ky) * k + kx] * x.at(i, iy, ix);
                                }
                            }
                        }
                    }
                    y[(o * oh + oy) * ow + ox] = s;
                }
            }
        }
        return new Map(out, oh, ow, y);
    }

    Map groupNorm(Map x, String name) {
        double[] g = values(weights.tensors().get(name + ".weight"));
        double[] b = values(weights.tensors().get(name + ".bias"));
        int groups = config.normNumGroups();
        int per = x.c / groups * x.h * x.w;
        double[] y = new double[x.v.length];
        for (int grp = 0; grp < groups; grp++) {
            double mean = 0;
            for (int i = 0; i < per; i++) {
                mean += x.v[grp * per + i];
            }
            mean /= per;
            double var = 0;
            for (int i = 0; i < per; i++) {
                double d = x.v[grp * per + i] - mean;
                var += d * d;
            }
            var /= per;
            double inv = 1 / Math.sqrt(var + EPS);
            for (int i = 0; i < per; i++) {
                int ch = (grp * per + i) / (x.h * x.w);
                y[grp * per + i] = (x.v[grp * per + i] - mean) * inv * g[ch] + b[ch];
            }
        }
        return new Map(x.c, x.h, x.w, y);
    }

    static Map silu(Map x) {
        double[] y = new double[x.v.length];
        for (int i = 0; i < y.length; i++) {
            y[i] = x.v[i] / (1 + Math.exp(-x.v[i]));
        }
        return new Map(x.c, x.h, x.w, y);
    }

    /** One head over all channels: x + W_o·softmax(QKᵀ/√C)V + b_o on the group-normed positions. */
    Map attention(Map x, String name) {
        Map n = groupNorm(x, name + ".group_norm");
        int c = x.c;
        int len = x.h * x.w;
        double[][] q = project(n, name + ".to_q");
        double[][] k = project(n, name + ".to_k");
        double[][] v = project(n, name + ".to_v");
        double scale = 1 / Math.sqrt(c);
        double[][] mixed = new double[len][c];
        for (int i = 0; i < len; i++) {
            double[] s = new double[len];
            double max = Double.NEGATIVE_INFINITY;
            for (int j = 0; j < len; j++) {
                double dot = 0;
                for (int d = 0; d < c; d++) {
                    dot += q[i][d] * k[j][d];
                }
                s[j] = dot * scale;
                max = Math.max(max, s[j]);
            }
            double sum = 0;
            for (int j = 0; j < len; j++) {
                s[j] = Math.exp(s[j] - max);
                sum += s[j];
            }
            for (int j = 0; j < len; j++) {
                for (int d = 0; d < c; d++) {
                    mixed[i][d] += s[j] / sum * v[j][d];
                }
            }
        }
        double[][] o = linear(mixed, name + ".to_out.0");
        double[] y = new double[x.v.length];
        for (int ch = 0; ch < c; ch++) {
            for (int p = 0; p < len; p++) {
                y[ch * len + p] = x.v[ch * len + p] + o[p][ch];
            }
        }
        return new Map(x.c, x.h, x.w, y);
    }

    private double[][] project(Map x, String name) {
        int len = x.h * x.w;
        double[][] rows = new double[len][x.c];
        for (int p = 0; p < len; p++) {
            for (int ch = 0; ch < x.c; ch++) {
                rows[p][ch] = x.v[ch * len + p];
            }
        }
        return linear(rows, name);
    }

    private double[][] linear(double[][] rows, String name) {
        RawTensor wt = weights.tensors().get(name + ".weight");
        int out = (int) wt.shape()[0];
        int in = (int) wt.shape()[1];
        double[] w = values(wt);
        double[] b = values(weights.tensors().get(name + ".bias"));
        double[][] y = new double[rows.length][out];
        for (int r = 0; r < rows.length; r++) {
            for (int o = 0; o < out; o++) {
                double s = b[o];
                for (int i = 0; i < in; i++) {
                    s += w[o * in + i] * rows[r][i];
                }
                y[r][o] = s;
            }
        }
        return y;
    }

    static double[] values(RawTensor t) {
        if (t.type() != StorageType.F32) {
            throw new IllegalArgumentException(t + ": expected F32");
        }
        ByteBuffer b = t.data().duplicate().order(ByteOrder.LITTLE_ENDIAN);
        double[] out = new double[Math.toIntExact(t.elementCount())];
        for (int i = 0; i < out.length; i++) {
            out[i] = b.getFloat(i * 4);
        }
        return out;
    }

    static Map randomMap(int c, int h, int w, long seed) {
        Random r = new Random(seed);
        double[] v = new double[c * h * w];
        for (int i = 0; i < v.length; i++) {
            v[i] = r.nextDouble() * 2 - 1;
        }
        return new Map(c, h, w, v);
    }

    static NDArray toArray(NDManager m, Map x) {
        return m.create(x.v(), new Shape(1, x.c(), x.h(), x.w()));
    }

    static void assertClose(Map expected, NDArray actual, double tol, String what) {
        assertEquals(new Shape(1, expected.c(), expected.h(), expected.w()), actual.getShape(), what + " shape");
        double[] a = actual.toType(DataType.FLOAT64, false).toDoubleArray();
        double max = 0;
        for (int i = 0; i < a.length; i++) {
            max = Math.max(max, Math.abs(a[i] - expected.v()[i]));
        }
        System.out.printf("%s: max |diff| vs float64 loops %.3g%n", what, max);
        assertTrue(max <= tol, what + ": max |diff| " + max + " > " + tol);
    }
}
