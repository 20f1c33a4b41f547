package io.vqgen.cli;

import io.vqgen.pipeline.ImageRequest;
import io.vqgen.pipeline.NoiseMode;

import java.util.List;

/**
 * The images of one {@code vqgen generate} call, in order (each prompt's or class label's images together), made
 * on demand: a call of many images holds only its prompts, never a request per image. Image i of the call uses seed
 * + i, or its prompt line's own seed + its index within that prompt.
 */
final class ImageList {
    private final List<PromptLines.Line> lines;
    private final List<Integer> classLabels;
    private final int perPrompt;
    private final long seed;
    private final boolean perImageNoise;

    /** Checks every seed up front: no image's seed may pass Long.MAX_VALUE. */
    ImageList(List<PromptLines.Line> lines, List<Integer> classLabels, int perPrompt, long seed, NoiseMode noise) {
        this.lines = lines;
        this.classLabels = classLabels;
        this.perPrompt = perPrompt;
        this.seed = seed;
        this.perImageNoise = noise == NoiseMode.PER_IMAGE;
        int conditions = lines.isEmpty() ? classLabels.size() : lines.size();
        long count = (long) conditions * perPrompt;
        for (int p = 0; p < conditions && perImageNoise; p++) {
            Long own = lines.isEmpty() ? null : lines.get(p).seed();
            long base = own != null ? own : seed;
            long lastOffset = own != null ? perPrompt - 1 : (long) p * perPrompt + perPrompt - 1;
            if (base > Long.MAX_VALUE - lastOffset) {
                throw new UserError("seed " + base + " is too large for " + count + " images (image i uses seed + i)");
            }
        }
    }

    /** Image {@code index} of the call, starting from {@code initial} tokens if given. */
    ImageRequest request(int index, long[] initial) {
        int p = index / perPrompt;
        int i = index % perPrompt;
        PromptLines.Line line = lines.isEmpty() ? null : lines.get(p);
        Long own = line == null ? null : line.seed();
        long base = own != null ? own : seed;
        long imageSeed = perImageNoise ? base + (own != null ? i : index) : base;
        return line == null ? ImageRequest.forClass(classLabels.get(p), imageSeed, initial)
                : new ImageRequest(line.prompt(), imageSeed, initial);
    }

    /** The id its prompt line gave image {@code index}, or null. */
    String id(int index) {
        return lines.isEmpty() ? null : lines.get(index / perPrompt).id();
    }
}
