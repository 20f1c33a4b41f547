package io.vqgen.model;

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

    public static ClassTransformerConfig from(ConfigReader c) {
        String s = c.source();
        int height = c.requireInt("height");
        int width = c.requireInt("width");
        int[] grid = {height, width};
        if (c.isSet("position_grid")) {
            grid = new int[] {c.requireIntAt("position_grid", 0), c.requireIntAt("position_grid", 1)};
        }
        ClassTransformerConfig config = new ClassTransformerConfig(c.requireInt("num_layers"),
                c.requireInt("num_attention_heads"), c.requireInt("attention_head_dim"), height, width, grid[0], grid[1],
                c.requireInt("num_vector_embeds"), c.requireInt("num_embeds_ada_norm"), c.requireInt("num_classes"),
                c.requireInt("num_class_embeds"), c.requireInt("ff_mult"));
        if (height < 1 || width < 1 || (long) grid[0] * grid[1] < (long) height * width) {
            throw new ModelException(s + ": position_grid " + grid[0] + "x" + grid[1] + " has fewer positions than the "
                    + height + "x" + width + " token grid");
        }
        if (config.numClassEmbeds != config.numClasses && config.numClassEmbeds != config.numClasses + 1) {
            throw new ModelException(s + ": num_class_embeds " + config.numClassEmbeds + " must be num_classes ("
                    + config.numClasses + ") or one more (a learned unconditional class)");
        }
        if (config.numVectorEmbeds < 2 || config.numLayers < 1 || config.ffMult < 1 || config.numEmbedsAdaNorm < 1) {
            throw new ModelException(s + ": num_vector_embeds must be at least 2, num_layers, ff_mult and "
                    + "num_embeds_ada_norm at least 1");
        }
        return config;
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
