package io.vqgen.weights;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * What {@link ModelInspector} found in a model folder. {@code problems} make the folder unusable;
 * {@code notes} are worth knowing but harmless (e.g. absent classifier-free embeddings).
 */
public record ModelReport(Path dir, String pipelineClass, List<Component> components, List<String> problems,
                          List<String> notes) {

    public boolean ok() {
        return problems.isEmpty();
    }

    /**
     * One component.
     *
     * @param dimensions key sizes read from its config, in display order
     * @param weights    null when the component has no weights (scheduler, tokenizer) or they could not be read
     */
    public record Component(String name, String library, String className, boolean present,
                            Map<String, String> dimensions, Weights weights) {
    }

    /**
     * A component's weight files, read from their headers only.
     *
     * @param parameters         elements of floating-point tensors
     * @param bufferElements     elements of integer/bool tensors (e.g. CLIP's position_ids)
     * @param dtypes             tensor count per stored type
     * @param expectedParameters what the config implies, or -1 when not computed for this config
     */
    public record Weights(WeightFiles files, int tensors, long parameters, long bufferElements,
                          Map<StorageType, Integer> dtypes, long expectedParameters) {
    }
}
