package io.vqgen.model.inception;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import io.vqgen.model.layers.Parameters;

/** torchvision's {@code InceptionD} (Mixed_7a): the second grid reduction. Out: 512 + in channels. */
final class InceptionD {
    private final BasicConv2d branch3x3a;
    private final BasicConv2d branch3x3b;
    private final BasicConv2d[] branch7x7x3 = new BasicConv2d[4];

    InceptionD(Parameters p, String name, int in) {
        branch3x3a = BasicConv2d.load(p, name + ".branch3x3_1", in, 192, 1, 1, 0);
        branch3x3b = BasicConv2d.load(p, name + ".branch3x3_2", 192, 320, 3, 2, 0);
        branch7x7x3[0] = BasicConv2d.load(p, name + ".branch7x7x3_1", in, 192, 1, 1, 0);
        branch7x7x3[1] = BasicConv2d.load(p, name + ".branch7x7x3_2", 192, 192, 1, 7, 1, 0, 3);
        branch7x7x3[2] = BasicConv2d.load(p, name + ".branch7x7x3_3", 192, 192, 7, 1, 1, 3, 0);
        branch7x7x3[3] = BasicConv2d.load(p, name + ".branch7x7x3_4", 192, 192, 3, 2, 0);
    }

    NDArray forward(NDArray x) {
        NDArray b = x;
        for (BasicConv2d c : branch7x7x3) {
            b = c.forward(b);
        }
        return NDArrays.concat(new NDList(branch3x3b.forward(branch3x3a.forward(x)), b, Pooling.max3(x, 2, 0)), 1);
    }
}
