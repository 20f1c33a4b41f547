package io.vqgen.weights;

import java.util.Arrays;

/**
 * A tensor as a torch pickle describes it: a view (offset, sizes, strides in elements) into a storage.
 *
 * @param storage the storage: its key names the record that holds its bytes
 */
record TorchTensorRef(Storage storage, long offset, long[] shape, long[] stride) {

    /** A storage of {@code numel} elements of one type, stored under {@code key}. */
    record Storage(String key, StorageType type, long numel) {
    }

    long elementCount() {
        return RawTensor.elementCount(shape);
    }

    /** C order: each stride is the product of the later sizes (strides of size-1 dimensions do not matter, as in torch). */
    boolean contiguous() {
        long expected = 1;
        for (int i = shape.length - 1; i >= 0; i--) {
            if (shape[i] != 1 && stride[i] != expected) {
                return false;
            }
            expected *= shape[i];
        }
        return true;
    }

    /** One past the last storage element the view touches (offset when empty). */
    long endElement() {
        if (elementCount() == 0) {
            return offset;
        }
        long last = offset;
        for (int i = 0; i < shape.length; i++) {
            last = Math.addExact(last, Math.multiplyExact(shape[i] - 1, stride[i]));
        }
        return last + 1;
    }

    @Override
    public String toString() {
        return storage.type() + Arrays.toString(shape) + " at offset " + offset + " stride " + Arrays.toString(stride)
                + " of storage '" + storage.key() + "'";
    }
}
