package io.vqgen.model.inception;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import io.vqgen.model.layers.Parameters;

/** pytorch-fid's {@code FIDInceptionC}: torchvision's InceptionC (factorised 7x7) with TensorFlow's average pool. Out: 768. */
final class InceptionC {
    private final BasicConv2d branch1x1;
    private final BasicConv2d[] branch7x7 = new BasicConv2d[3];
    private final BasicConv2d[] branch7x7dbl = new BasicConv2d[5];
    private final BasicConv2d branchPool;

    InceptionC(Parameters p, String name, int in, int c7) {
        branch1x1 = BasicConv2d.load(p, name + ".branch1x1", in, 192, 1, 1, 0);
        branch7x7[0] = BasicConv2d.load(p, name + ".branch7x7_1", in, c7, 1, 1, 0);
        branch7x7[1] = BasicConv2d.load(p, name + ".branch7x7_2", c7, c7, 1, 7, 1, 0, 3);
        branch7x7[2] = BasicConv2d.load(p, name + ".branch7x7_3", c7, 192, 7, 1, 1, 3, 0);
        branch7x7dbl[0] = BasicConv2d.load(p, name + ".branch7x7dbl_1", in, c7, 1, 1, 0);
        branch7x7dbl[1] = BasicConv2d.load(p, name + ".branch7x7dbl_2", c7, c7, 7, 1, 1, 3, 0);
        branch7x7dbl[2] = BasicConv2d.load(p, name + ".branch7x7dbl_3", c7, c7, 1, 7, 1, 0, 3);
        branch7x7dbl[3] = BasicConv2d.load(p, name + ".branch7x7dbl_4", c7, c7, 7, 1, 1, 3, 0);
        branch7x7dbl[4] = BasicConv2d.load(p, name + ".branch7x7dbl_5", c7, 192, 1, 7, 1, 0, 3);
        branchPool = BasicConv2d.load(p, name + ".branch_pool", in, 192, 1, 1, 0);
    }

    NDArray forward(NDArray x) {
        return NDArrays.concat(new NDList(
                branch1x1.forward(x),
                chain(branch7x7, x),
                chain(branch7x7dbl, x),
                branchPool.forward(Pooling.avg3ExcludingPadding(x))), 1);
    }

    private static NDArray chain(BasicConv2d[] convs, NDArray x) {
        for (BasicConv2d c : convs) {
            x = c.forward(x);
        }
        return x;
    }
}
