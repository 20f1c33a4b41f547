package io.vqgen.model.inception;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import io.vqgen.model.layers.Parameters;

/** pytorch-fid's {@code FIDInceptionA}: torchvision's InceptionA with TensorFlow's average pool. Out: 224 + pool features. */
final class InceptionA {
    private final BasicConv2d branch1x1;
    private final BasicConv2d branch5x5a;
    private final BasicConv2d branch5x5b;
    private final BasicConv2d branch3x3dbl1;
    private final BasicConv2d branch3x3dbl2;
    private final BasicConv2d branch3x3dbl3;
    private final BasicConv2d branchPool;

    InceptionA(Parameters p, String name, int in, int poolFeatures) {
        branch1x1 = BasicConv2d.load(p, name + ".branch1x1", in, 64, 1, 1, 0);
        branch5x5a = BasicConv2d.load(p, name + ".branch5x5_1", in, 48, 1, 1, 0);
        branch5x5b = BasicConv2d.load(p, name + ".branch5x5_2", 48, 64, 5, 1, 2);
        branch3x3dbl1 = BasicConv2d.load(p, name + ".branch3x3dbl_1", in, 64, 1, 1, 0);
        branch3x3dbl2 = BasicConv2d.load(p, name + ".branch3x3dbl_2", 64, 96, 3, 1, 1);
        branch3x3dbl3 = BasicConv2d.load(p, name + ".branch3x3dbl_3", 96, 96, 3, 1, 1);
        branchPool = BasicConv2d.load(p, name + ".branch_pool", in, poolFeatures, 1, 1, 0);
    }

    NDArray forward(NDArray x) {
        return NDArrays.concat(new NDList(
                branch1x1.forward(x),
                branch5x5b.forward(branch5x5a.forward(x)),
                branch3x3dbl3.forward(branch3x3dbl2.forward(branch3x3dbl1.forward(x))),
                branchPool.forward(Pooling.avg3ExcludingPadding(x))), 1);
    }
}
