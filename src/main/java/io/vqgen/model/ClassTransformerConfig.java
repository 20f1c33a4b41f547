package io.vqgen.model;

import io.vqgen.weights.ComponentConfig;

/**
 * {@code transformer/config.json} of a class-conditional model ({@code "_class_name": "VQDiffusionClassTransformer"},
 * a vqgen class for the research release's {@code Condition2ImageTransformer}). Keys:
 * {@code num_layers}, {@code num_attention_heads}, {@code attention_head_dim}, {@code height}, {@code width} (the
 * token grid), {@code position_grid} ([rows, columns] of the position embeddings, at least the token count; defaults
 * to the token grid), {@code num_vector_embeds} (codes + mask), {@code num_embeds_ada_norm} (timesteps),
 * {@code num_classes} (labels a user may ask for), {@code num_class_embeds} ({@code num_classes}, or one more when
 * the unconditional class is learned), {@code ff_mult} (hidden channels of the convolutional feed-forward per
 * channel). The feed-forward activation is always GELU2, x·sigmoid(1.702x), as in the release.
 */
public record ClassTransformerConfig(int numLayers, int numAttentionHeads, int attentionHeadDim, int height, int width,
                                     int positionGridHeight, int positionGridWidth, int numVectorEmbeds,
                                     int numEmbedsAdaNorm, int numClasses, int numClassEmbeds, int ffMult) {
    public static final String CLASS_NAME = "VQDiffusionClassTransformer";

    /** Reads a {@value #CLASS_NAME} config: every key is required but position_grid (the token grid when absent). */
    public static ClassTransformerConfig from(ComponentConfig config) {
        ComponentConfig c = config.as(CLASS_NAME);
        String s = c.source();
        int height = c.integer("height", 1);
        int width = c.integer("width", 1);
        int[] grid = {height, width};
        if (c.isSet("position_grid")) {
            grid = c.integers("position_grid", 1);
            if (grid.length != 2) {
                throw new ModelException(s + ": position_grid must be [rows, columns], found " + grid.length + " numbers");
            }
        }
        ClassTransformerConfig read = new ClassTransformerConfig(c.integer("num_layers", 1),
                c.integer("num_attention_heads", 1), c.integer("attention_head_dim", 1), height, width, grid[0], grid[1],
                c.integer("num_vector_embeds", 2), c.integer("num_embeds_ada_norm", 1), c.integer("num_classes", 1),
                c.integer("num_class_embeds", 1), c.integer("ff_mult", 1));
        if ((long) grid[0] * grid[1] < (long) height * width) {
            throw new ModelException(s + ": position_grid " + grid[0] + "x" + grid[1] + " has fewer positions than the "
                    + height + "x" + width + " token grid");
        }
        if (read.numClassEmbeds != read.numClasses && read.numClassEmbeds != read.numClasses + 1) {
            throw new ModelException(s + ": num_class_embeds " + read.numClassEmbeds + " must be num_classes ("
                    + read.numClasses + ") or one more (a learned unconditional class)");
        }
        return read;
    }

    public int innerDim() {
        return numAttentionHeads * attentionHeadDim;
    }

    public int numLatentPixels() {
        return height * width;
    }

    /** The label of the unconditional prediction that guidance mixes against: {@code num_classes}. */
    public int unconditionalLabel() {
        return numClasses;
    }
}
