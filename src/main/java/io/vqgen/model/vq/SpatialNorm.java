package io.vqgen.model.vq;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;

/**
 * diffusers' {@code SpatialNorm} (MoVQ): group norm modulated by the codebook vectors, upsampled (nearest) to
 * the activation's size: {@code norm(f) * conv_y(zq) + conv_b(zq)}.
 */
record SpatialNorm(GroupNorm norm, Conv convY, Conv convB) implements Norm {

    @Override
    public NDArray forward(NDArray f, NDArray zq) {
        Shape fs = f.getShape();
        NDArray z = Resize.nearest(zq, fs.get(2), fs.get(3));
        z.attach(f.getManager());
        return norm.forward(f).muli(convY.forward(z)).addi(convB.forward(z));
    }
}
