package io.vqgen.model.inception;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import io.vqgen.model.layers.Parameters;

/** torchvision's {@code InceptionB} (Mixed_6a): a grid reduction by stride 2. Out: 480 + in channels. */
final class InceptionB {
    private final BasicConv2d branch3x3;
    private final BasicConv2d branch3x3dbl1;
    private final BasicConv2d branch3x3dbl2;
    private final BasicConv2d branch3x3dbl3;

    InceptionB(Parameters p, String name, int in) {
        branch3x3 = BasicConv2d.load(p, name + ".branch3x3", in, 384, 3, 2, 0);
        branch3x3dbl1 = BasicConv2d.load(p, name + ".branch3x3dbl_1", in, 64, 1, 1, 0);
        branch3x3dbl2 = BasicConv2d.load(p, name + ".branch3x3dbl_2", 64, 96, 3, 1, 1);
        branch3x3dbl3 = BasicConv2d.load(p, name + ".branch3x3dbl_3", 96, 96, 3, 2, 0);
    }

    NDArray forward(NDArray x) {
        return NDArrays.concat(new NDList(
                branch3x3.forward(x),
                branch3x3dbl3.forward(branch3x3dbl2.forward(branch3x3dbl1.forward(x))),
                Pooling.max3(x, 2, 0)), 1);
    }
}
