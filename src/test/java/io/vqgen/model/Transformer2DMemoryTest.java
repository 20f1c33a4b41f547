package io.vqgen.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.vqgen.weights.ComponentConfig;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * One denoising call's memory does not grow with the number of layers: what the call holds between two blocks
 * (counted exactly, as live NDArrays and their bytes in the call's manager tree, independent of the allocator) is
 * the same after every block and for 1, 3 or 6 blocks. Before each block's intermediates were freed when the block
 * returned, every block added its dozens of intermediates to the call until it ended (ITHQ: 13 GB per call).
 */
class Transformer2DMemoryTest {
    /** What the call's manager held after each block: [arrays, bytes]. */
    private record Held(List<long[]> afterBlock) {
        long[] max() {
            return afterBlock.stream().reduce((a, b) -> new long[] {Math.max(a[0], b[0]), Math.max(a[1], b[1])})
                    .orElseThrow();
        }
    }

    @Test
    void aCallHoldsTheSameMemoryAfterEveryBlockWhateverTheNumberOfBlocks() {
        long[] single = null;
        for (int layers : new int[] {1, 3, 6}) {
            Held plain = held(layers, false);
            Held paired = held(layers, true);
            assertEquals(layers, plain.afterBlock().size());
            for (Held h : List.of(plain, paired)) {
                for (int i = 1; i < h.afterBlock().size(); i++) {
                    assertEquals(h.afterBlock().get(0)[0], h.afterBlock().get(i)[0], "arrays after block " + i);
                    assertEquals(h.afterBlock().get(0)[1], h.afterBlock().get(i)[1], "bytes after block " + i);
                }
            }
            long[] both = {plain.max()[0], plain.max()[1], paired.max()[0], paired.max()[1]};
            if (single == null) {
                single = both;
            }
            for (int k = 0; k < both.length; k++) {
                assertEquals(single[k], both[k], layers + " blocks hold more than 1 block " + java.util.Arrays.toString(both));
            }
        }
    }

    private static Held held(int layers, boolean paired) {
        ObjectNode json = (ObjectNode) Goldens.model("tiny-a").config("transformer").json().deepCopy();
        json.put("num_layers", layers);
        Transformer2DConfig c = Transformer2DConfig.from(new ComponentConfig("transformer/config.json", json));
        List<long[]> after = new ArrayList<>();
        LayerScope.Observer observer = (layer, call) -> {
            long bytes = 0;
            List<NDArray> arrays = call.getManagedArrays();
            for (NDArray a : arrays) {
                bytes += a.getShape().size() * a.getDataType().getNumOfBytes();
            }
            after.add(new long[] {arrays.size(), bytes});
        };
        try (NDManager m = NDManager.newBaseManager();
             Transformer2D transformer = Transformer2D.create(c, SyntheticWeights.transformer(c, 7), m)) {
            NDArray tokens = m.randomInteger(0, c.numVectorEmbeds(), new Shape(2, c.numLatentPixels()), DataType.INT64);
            NDArray text = m.randomNormal(new Shape(2, 77, c.crossAttentionDim()));
            if (paired) {
                transformer.pairedLogPx0(tokens, text, text.add(1f), 42, observer);
            } else {
                transformer.logPx0(tokens, text, 42, observer);
            }
        }
        return new Held(after);
    }
}
