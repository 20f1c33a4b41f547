package io.vqgen.model.vq;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import io.vqgen.weights.LoadOptions;
import org.junit.jupiter.api.Test;

import java.util.Random;
import java.util.function.UnaryOperator;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

/**
 * An image's pixels and tokens are a function of that image alone: bit-identical alone, at any position in
 * any batch, and on a rerun. (Batched libtorch convolutions differ by ~3e-6 from single-image ones, which can
 * flip an 8-bit pixel at a rounding tie, so the model runs image by image.)
 */
class VqModelDeterminismTest {

    @Test
    void decodeEncodeAndQuantizeDoNotDependOnTheBatch() {
        try (NDManager m = NDManager.newBaseManager(); VqModel vq = VqModel.load(TinyVq.folder(), LoadOptions.cpuFloat32(), m)) {
            VqConfig c = vq.config();
            int h = 4;
            int w = 5;
            int f = c.downsampleFactor();
            NDArray tokens = m.create(new Random(1).longs(3L * h * w, 0, c.numVqEmbeddings()).toArray(),
                    new Shape(3, (long) h * w));
            NDArray latents = vq.codebookEntry(tokens, h, w);
            NDArray images = m.randomUniform(-1, 1, new Shape(3, c.inChannels(), (long) h * f, (long) w * f));
            NDArray noisyLatents = vq.encode(images);

            assertBatchIndependent(latents, vq::decode);
            assertBatchIndependent(images, vq::encode);
            assertBatchIndependent(noisyLatents, vq::quantize);
        }
    }

    private static void assertBatchIndependent(NDArray batch, UnaryOperator<NDArray> f) {
        NDArray all = f.apply(batch);
        assertArrayEquals(values(all), values(f.apply(batch)), "rerun");
        for (int i = 0; i < batch.getShape().get(0); i++) {
            String row = i + ":" + (i + 1);
            assertArrayEquals(values(all.get(row)), values(f.apply(batch.get(row))), "image " + i + " alone");
        }
        NDIndex order = new NDIndex("{}", batch.getManager().create(new long[] {2, 0, 1}));
        assertArrayEquals(values(all.get(order)), values(f.apply(batch.get(order))), "batch in another order");
    }

    private static double[] values(NDArray a) {
        return a.toType(DataType.FLOAT64, false).toDoubleArray();
    }
}
