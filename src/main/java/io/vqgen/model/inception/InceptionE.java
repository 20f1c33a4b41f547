package io.vqgen.model.inception;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import io.vqgen.model.layers.Parameters;

/**
 * pytorch-fid's {@code FIDInceptionE_1} (Mixed_7b: TensorFlow's average pool) and {@code FIDInceptionE_2}
 * (Mixed_7c: a 3x3 max pool, stride 1, where torchvision averages). Out: 2048.
 */
final class InceptionE {
    private final BasicConv2d branch1x1;
    private final BasicConv2d branch3x3;
    private final BasicConv2d branch3x3a;
    private final BasicConv2d branch3x3b;
    private final BasicConv2d branch3x3dbl1;
    private final BasicConv2d branch3x3dbl2;
    private final BasicConv2d branch3x3dbla;
    private final BasicConv2d branch3x3dblb;
    private final BasicConv2d branchPool;
    private final boolean maxPool;

    InceptionE(Parameters p, String name, int in, boolean maxPool) {
        this.maxPool = maxPool;
        branch1x1 = BasicConv2d.load(p, name + ".branch1x1", in, 320, 1, 1, 0);
        branch3x3 = BasicConv2d.load(p, name + ".branch3x3_1", in, 384, 1, 1, 0);
        branch3x3a = BasicConv2d.load(p, name + ".branch3x3_2a", 384, 384, 1, 3, 1, 0, 1);
        branch3x3b = BasicConv2d.load(p, name + ".branch3x3_2b", 384, 384, 3, 1, 1, 1, 0);
        branch3x3dbl1 = BasicConv2d.load(p, name + ".branch3x3dbl_1", in, 448, 1, 1, 0);
        branch3x3dbl2 = BasicConv2d.load(p, name + ".branch3x3dbl_2", 448, 384, 3, 1, 1);
        branch3x3dbla = BasicConv2d.load(p, name + ".branch3x3dbl_3a", 384, 384, 1, 3, 1, 0, 1);
        branch3x3dblb = BasicConv2d.load(p, name + ".branch3x3dbl_3b", 384, 384, 3, 1, 1, 1, 0);
        branchPool = BasicConv2d.load(p, name + ".branch_pool", in, 192, 1, 1, 0);
    }

    NDArray forward(NDArray x) {
        NDArray b3 = branch3x3.forward(x);
        NDArray d3 = branch3x3dbl2.forward(branch3x3dbl1.forward(x));
        NDArray pooled = maxPool ? Pooling.max3(x, 1, 1) : Pooling.avg3ExcludingPadding(x);
        return NDArrays.concat(new NDList(
                branch1x1.forward(x),
                branch3x3a.forward(b3), branch3x3b.forward(b3),
                branch3x3dbla.forward(d3), branch3x3dblb.forward(d3),
                branchPool.forward(pooled)), 1);
    }
}
