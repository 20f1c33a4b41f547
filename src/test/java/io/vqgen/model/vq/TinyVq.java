package io.vqgen.model.vq;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.vqgen.Reference;
import io.vqgen.weights.ComponentConfig;
import io.vqgen.weights.LoadOptions;
import io.vqgen.weights.ModelFolder;
import io.vqgen.weights.RawTensor;
import io.vqgen.weights.StateDict;
import io.vqgen.weights.StorageType;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.LinkedHashMap;
import java.util.Map;

/** The tiny-a VQ-VAE's config and weights, as editable copies for tests that break or rewire them. */
final class TinyVq {
    private TinyVq() {
    }

    static ModelFolder folder() {
        return ModelFolder.open(Reference.path("tiny-a", "model"));
    }

    static ObjectNode config() {
        return (ObjectNode) folder().config(VqModel.COMPONENT).json().deepCopy();
    }

    /** A VQModel config as the model reads it from a file called vqvae/config.json. */
    static VqConfig read(JsonNode json) {
        return VqConfig.from(new ComponentConfig("vqvae/config.json", json));
    }

    static Map<String, RawTensor> tensors() {
        return new LinkedHashMap<>(folder().weights(VqModel.COMPONENT, LoadOptions.cpuFloat32()).tensors());
    }

    static StateDict weights(Map<String, RawTensor> tensors, LoadOptions options) {
        return new StateDict(VqModel.COMPONENT, tensors, options);
    }

    static RawTensor f32(String name, float[] values, long... shape) {
        ByteBuffer b = ByteBuffer.allocate(values.length * 4).order(ByteOrder.LITTLE_ENDIAN);
        for (float v : values) {
            b.putFloat(v);
        }
        b.flip();
        return new RawTensor(name, StorageType.F32, shape, b, "test");
    }

    static RawTensor renamed(RawTensor t, String name) {
        return new RawTensor(name, t.type(), t.shape(), t.data(), t.source());
    }
}
