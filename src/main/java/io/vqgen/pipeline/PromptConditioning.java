package io.vqgen.pipeline;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import io.vqgen.model.ClipTextEncoder;
import io.vqgen.text.ClipTokenizer;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The text side of the pipeline, as diffusers' {@code _encode_prompt}: CLIP ids → last hidden state → per-token
 * L2 normalisation, one row per image; and the unconditional rows for guidance, either the learned
 * classifier-free embeddings (used as stored) or the normalised encoding of the empty prompt.
 */
final class PromptConditioning {
    private final ClipTokenizer tokenizer;
    private final ClipTextEncoder encoder;
    private final NDArray learnedUnconditional;

    /**
     * @param learnedUnconditional [77, hidden] learned embeddings, or null to encode the empty prompt
     */
    PromptConditioning(ClipTokenizer tokenizer, ClipTextEncoder encoder, NDArray learnedUnconditional) {
        this.tokenizer = tokenizer;
        this.encoder = encoder;
        this.learnedUnconditional = learnedUnconditional;
    }

    boolean learnedUnconditional() {
        return learnedUnconditional != null;
    }

    /** [images, 77, hidden]: the normalised encoding of each image's prompt; each distinct prompt is encoded once. */
    NDArray conditional(NDManager manager, List<String> promptPerImage) {
        Map<String, Integer> distinct = new LinkedHashMap<>();
        for (String p : promptPerImage) {
            distinct.putIfAbsent(p, distinct.size());
        }
        long[][] ids = new long[distinct.size()][];
        distinct.forEach((prompt, row) -> ids[row] = toLongs(tokenizer.encodeForPipeline(prompt)));
        NDArray encoded = encoder.encodeNormalized(manager.create(ids));
        long[] rows = promptPerImage.stream().mapToLong(distinct::get).toArray();
        return encoded.get(manager.create(rows));
    }

    /** [images, 77, hidden] unconditional rows for classifier-free guidance. */
    NDArray unconditional(NDManager manager, int images) {
        NDArray one;
        if (learnedUnconditional != null) {
            one = learnedUnconditional.toDevice(manager.getDevice(), true);
            one.attach(manager);
            one = one.expandDims(0);
        } else {
            one = encoder.encodeNormalized(manager.create(new long[][] {toLongs(tokenizer.encodeUnconditional())}));
        }
        return one.repeat(0, images);
    }

    private static long[] toLongs(int[] ids) {
        long[] out = new long[ids.length];
        for (int i = 0; i < ids.length; i++) {
            out[i] = ids[i];
        }
        return out;
    }
}
