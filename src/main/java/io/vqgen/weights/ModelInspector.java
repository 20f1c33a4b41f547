package io.vqgen.weights;

import com.fasterxml.jackson.databind.JsonNode;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.Set;
import java.util.TreeSet;

/**
 * Checks a VQ-Diffusion model folder without loading any weights: reads model_index.json, each component's
 * config and the headers of its weight files, compares key tensor shapes, layer counts and parameter counts with
 * what the configs imply, and the components' configs with each other.
 */
public final class ModelInspector {
    private static final List<String> REQUIRED = List.of("transformer", "text_encoder", "tokenizer", "vqvae", "scheduler");
    /** A class-conditional model converted from the research release has no text side. */
    private static final List<String> REQUIRED_CLASS_CONDITIONAL = List.of("transformer", "vqvae", "scheduler");
    private static final String CLASS_TRANSFORMER = "VQDiffusionClassTransformer";

    private final ModelFolder folder;
    private final String variant;
    private final List<String> problems = new ArrayList<>();
    private final List<String> notes = new ArrayList<>();
    /** Configs by component class, for the cross-component checks. */
    private final Map<String, ComponentConfig> configs = new HashMap<>();
    /** Component names by class, for messages. */
    private final Map<String, String> names = new HashMap<>();
    private String tokenizerName;
    private long tokenizerMaxId = -1;

    private ModelInspector(ModelFolder folder, String variant) {
        this.folder = folder;
        this.variant = variant;
    }

    /** Inspects the folder; {@code variant} selects weight files as in {@link LoadOptions#variant()} (null: plain). */
    public static ModelReport inspect(ModelFolder folder, String variant) {
        return new ModelInspector(folder, variant).run();
    }

    private ModelReport run() {
        if (!ModelFolder.PIPELINE.equals(folder.pipelineClass())) {
            problems.add("model_index.json names pipeline '" + folder.pipelineClass() + "', expected "
                    + ModelFolder.PIPELINE);
        }
        Map<String, List<String>> listed = folder.components();
        List<String> transformer = listed.getOrDefault("transformer", List.of());
        boolean classConditional = transformer.size() == 2 && CLASS_TRANSFORMER.equals(transformer.get(1));
        for (String name : classConditional ? REQUIRED_CLASS_CONDITIONAL : REQUIRED) {
            if (!listed.containsKey(name)) {
                problems.add("model_index.json lists no '" + name + "' component");
            }
        }
        List<ModelReport.Component> components = new ArrayList<>();
        listed.forEach((name, libraryAndClass) -> {
            String library = libraryAndClass.isEmpty() ? null : libraryAndClass.get(0);
            String className = libraryAndClass.size() < 2 ? null : libraryAndClass.get(1);
            if (className == null) {
                return; // [null, null]: a component the pipeline does not use
            }
            components.add(inspect(name, library, className));
        });
        crossCheck();
        return new ModelReport(folder.dir(), folder.pipelineClass(), components, problems, notes);
    }

    private ModelReport.Component inspect(String name, String library, String className) {
        Map<String, String> dims = new LinkedHashMap<>();
        if (!folder.hasComponent(name)) {
            if (ModelFolder.isOptional(name)) {
                notes.add(name + ": folder absent; the pipeline will guide with the empty prompt's text embeddings "
                        + "instead (as on the hub's fp16 branch of ITHQ, diffusers issue 1530)");
            } else {
                problems.add(name + ": listed in model_index.json but folder " + folder.componentDir(name) + " is missing");
            }
            return new ModelReport.Component(name, library, className, false, dims, null);
        }
        ModelReport.Weights weights = null;
        try {
            weights = switch (className) {
                case "Transformer2DModel" -> transformer(name, dims);
                case CLASS_TRANSFORMER -> classTransformer(name, dims);
                case "CLIPTextModel" -> textEncoder(name, dims);
                case "VQModel" -> vqModel(name, dims);
                case "LearnedClassifierFreeSamplingEmbeddings" -> classifierFree(name, dims);
                case "VQDiffusionScheduler" -> scheduler(name, dims);
                case "CLIPTokenizer" -> tokenizer(name, dims);
                default -> {
                    notes.add(name + ": class " + className + " is not part of VQ-Diffusion; not checked");
                    yield null;
                }
            };
        } catch (WeightsException e) {
            problems.add(e.getMessage().startsWith(name) ? e.getMessage() : name + ": " + e.getMessage());
        }
        return new ModelReport.Component(name, library, className, true, dims, weights);
    }

    private ComponentConfig config(String name, String className) {
        ComponentConfig c = folder.config(name).as(className);
        configs.put(className, c);
        names.put(className, name);
        return c;
    }

    private ModelReport.Weights classTransformer(String name, Map<String, String> dims) {
        ComponentConfig c = config(name, CLASS_TRANSFORMER);
        long k = c.integer("num_vector_embeds", 2);
        long heads = c.integer("num_attention_heads", 1);
        long headDim = c.integer("attention_head_dim", 1);
        long layers = c.integer("num_layers", 1);
        int classes = c.integer("num_classes", 1);
        dims.put("classes", k + " (" + (k - 1) + " codes + mask)");
        dims.put("layers", String.valueOf(layers));
        dims.put("heads", heads + "×" + headDim);
        dims.put("token grid", c.integer("height", 1) + "×" + c.integer("width", 1));
        dims.put("image classes", classes + (c.integer("num_class_embeds", 1) > classes
                ? " + a learned unconditional one" : " (unconditional: their mean embedding)"));
        Read read = read(name);
        expectShape(name, read.tensors(), "content_emb.emb.weight", k, heads * headDim);
        expectLayers(name, read.tensors(), "blocks.", layers, "num_layers");
        return summary(name, read, OptionalLong.of(ParameterCounts.classTransformer(c)));
    }

    private ModelReport.Weights transformer(String name, Map<String, String> dims) {
        ComponentConfig c = config(name, "Transformer2DModel");
        if (!c.isSet("num_vector_embeds")) {
            throw new WeightsException(c.source() + ": missing key 'num_vector_embeds' (VQ-Diffusion's transformer "
                    + "takes discrete tokens)");
        }
        long k = c.integer("num_vector_embeds", 2);
        long heads = c.integer("num_attention_heads", 1);
        long headDim = c.integer("attention_head_dim", 1);
        long inner = heads * headDim;
        long size = c.integer("sample_size", 1);
        long layers = c.integer("num_layers", 1);
        dims.put("classes", k + " (" + (k - 1) + " codes + mask)");
        dims.put("layers", String.valueOf(layers));
        dims.put("heads", heads + "×" + headDim + " (inner " + inner + ")");
        dims.put("latent grid", size + "×" + size);
        Integer cross = c.optionalInteger("cross_attention_dim", 1);
        if (cross != null) {
            dims.put("cross-attention dim", String.valueOf(cross));
        }
        Integer adaSteps = c.optionalInteger("num_embeds_ada_norm", 1);
        if (adaSteps != null) {
            dims.put("ada-norm steps", String.valueOf(adaSteps));
        }
        dims.put("activation", c.text("activation_fn"));
        Read read = read(name);
        Map<String, RawTensor> t = read.tensors();
        expectShape(name, t, "latent_image_embedding.emb.weight", k, inner);
        expectShape(name, t, "latent_image_embedding.height_emb.weight", size, inner);
        expectShape(name, t, "latent_image_embedding.width_emb.weight", size, inner);
        expectShape(name, t, "out.weight", k - 1, inner);
        expectLayers(name, t, "transformer_blocks.", layers, "num_layers");
        return summary(name, read, ParameterCounts.discreteTransformer(c));
    }

    private ModelReport.Weights textEncoder(String name, Map<String, String> dims) {
        ComponentConfig c = config(name, "CLIPTextModel");
        long hidden = c.integer("hidden_size", 1);
        long heads = c.integer("num_attention_heads", 1);
        long layers = c.integer("num_hidden_layers", 1);
        long vocab = c.integer("vocab_size", 1);
        long positions = c.integer("max_position_embeddings", 1);
        dims.put("hidden", String.valueOf(hidden));
        dims.put("layers", String.valueOf(layers));
        dims.put("heads", heads + (heads > 0 && hidden % heads == 0 ? "×" + hidden / heads : ""));
        dims.put("intermediate", String.valueOf(c.integer("intermediate_size", 1)));
        dims.put("vocab", String.valueOf(vocab));
        dims.put("positions", String.valueOf(positions));
        if (hidden % heads != 0) {
            problems.add(name + ": hidden_size " + hidden + " is not a multiple of num_attention_heads " + heads);
        }
        Read read = read(name);
        Map<String, RawTensor> t = read.tensors();
        expectShape(name, t, "text_model.embeddings.token_embedding.weight", vocab, hidden);
        expectShape(name, t, "text_model.embeddings.position_embedding.weight", positions, hidden);
        expectShape(name, t, "text_model.final_layer_norm.weight", hidden);
        expectLayers(name, t, "text_model.encoder.layers.", layers, "num_hidden_layers");
        return summary(name, read, OptionalLong.of(ParameterCounts.clipText(c)));
    }

    private ModelReport.Weights vqModel(String name, Map<String, String> dims) {
        ComponentConfig c = config(name, "VQModel");
        int[] channels = c.integers("block_out_channels", 1);
        long latent = c.integer("latent_channels", 1);
        long codes = c.integer("num_vq_embeddings", 1);
        long embedDim = ParameterCounts.vqEmbedDim(c);
        dims.put("channels", Arrays.toString(channels));
        dims.put("latent channels", String.valueOf(latent));
        dims.put("codebook", codes + "×" + embedDim);
        dims.put("downsampling", "×" + (1L << (channels.length - 1)));
        Read read = read(name);
        Map<String, RawTensor> t = read.tensors();
        expectShape(name, t, "quantize.embedding.weight", codes, embedDim);
        return summary(name, read, ParameterCounts.vqModel(c));
    }

    private ModelReport.Weights classifierFree(String name, Map<String, String> dims) {
        ComponentConfig c = config(name, "LearnedClassifierFreeSamplingEmbeddings");
        boolean learnable = c.flag("learnable");
        dims.put("learnable", String.valueOf(learnable));
        if (learnable) {
            dims.put("shape", "[" + c.integer("length", 1) + ", " + c.integer("hidden_size", 1) + "]");
        }
        Read read = read(name);
        Map<String, RawTensor> t = read.tensors();
        if (learnable) {
            expectShape(name, t, "embeddings", c.integer("length", 1), c.integer("hidden_size", 1));
        }
        return summary(name, read, OptionalLong.of(ParameterCounts.classifierFreeEmbeddings(c)));
    }

    private ModelReport.Weights scheduler(String name, Map<String, String> dims) {
        ComponentConfig c = config(name, "VQDiffusionScheduler");
        dims.put("train timesteps", String.valueOf(c.integer("num_train_timesteps", 2)));
        dims.put("classes", String.valueOf(c.integer("num_vec_classes", 2)));
        return null;
    }

    private ModelReport.Weights tokenizer(String name, Map<String, String> dims) {
        Path dir = folder.componentDir(name);
        for (String file : List.of("vocab.json", "merges.txt")) {
            if (!Files.isRegularFile(dir.resolve(file))) {
                throw new WeightsException(name + ": " + dir.resolve(file) + " is missing");
            }
        }
        JsonNode vocab = ModelFolder.readJson(dir.resolve("vocab.json"));
        if (vocab == null || !vocab.isObject()) {
            throw new WeightsException(name + ": vocab.json must map tokens to ids");
        }
        long maxId = -1;
        for (JsonNode id : vocab) {
            maxId = Math.max(maxId, id.asLong());
        }
        dims.put("vocab entries", String.valueOf(vocab.size()));
        tokenizerMaxId = maxId;
        tokenizerName = name;
        return null;
    }

    /** A component's weight files and the tensors their headers describe. */
    private record Read(WeightFiles files, Map<String, RawTensor> tensors) {
    }

    private Read read(String name) {
        WeightFiles files = folder.weightFiles(name, variant);
        return new Read(files, files.readTensors());
    }

    private ModelReport.Weights summary(String name, Read read, OptionalLong expected) {
        Map<String, RawTensor> tensors = read.tensors();
        long parameters = 0;
        long buffers = 0;
        Map<StorageType, Integer> dtypes = new EnumMap<>(StorageType.class);
        for (RawTensor t : tensors.values()) {
            if (t.type().isFloating()) {
                parameters += t.elementCount();
            } else {
                buffers += t.elementCount();
            }
            dtypes.merge(t.type(), 1, Integer::sum);
        }
        if (expected.isPresent() && expected.getAsLong() != parameters) {
            problems.add(String.format("%s: weights hold %,d parameters, the config implies %,d (do config.json and the "
                    + "weights belong together?)", name, parameters, expected.getAsLong()));
        }
        return new ModelReport.Weights(read.files(), tensors.size(), parameters, buffers, dtypes,
                expected.orElse(-1));
    }

    private void expectShape(String name, Map<String, RawTensor> tensors, String tensor, long... shape) {
        RawTensor t = tensors.get(tensor);
        if (t == null) {
            problems.add(name + ": weights lack '" + tensor + "' (expected shape " + Arrays.toString(shape) + ")");
        } else if (!Arrays.equals(t.shape(), shape)) {
            problems.add(name + ": '" + tensor + "' has shape " + t.shapeString() + ", the config implies "
                    + Arrays.toString(shape));
        }
    }

    private void expectLayers(String name, Map<String, RawTensor> tensors, String prefix, long expected, String key) {
        Set<String> indices = new TreeSet<>();
        for (String n : tensors.keySet()) {
            if (n.startsWith(prefix)) {
                int dot = n.indexOf('.', prefix.length());
                indices.add(dot < 0 ? n.substring(prefix.length()) : n.substring(prefix.length(), dot));
            }
        }
        if (indices.size() != expected) {
            problems.add(name + ": weights hold " + indices.size() + " layers under '" + prefix + "', config.json "
                    + key + " says " + expected);
        }
    }

    /** The components must agree on the sizes they share (effective values: the file's, else the default). */
    private void crossCheck() {
        String transformer = "Transformer2DModel";
        String text = "CLIPTextModel";
        agree(transformer, "num_vector_embeds", "VQDiffusionScheduler", "num_vec_classes");
        agree(transformer, "cross_attention_dim", text, "hidden_size");
        String cf = "LearnedClassifierFreeSamplingEmbeddings";
        if (effective(cf, "learnable") == Boolean.TRUE) {
            agree(cf, "hidden_size", text, "hidden_size");
            agree(cf, "length", text, "max_position_embeddings");
        }
        if (effective(transformer, "num_vector_embeds") instanceof Integer k
                && effective("VQModel", "num_vq_embeddings") instanceof Integer n && n < k - 1) {
            problems.add(names.get("VQModel") + " num_vq_embeddings = " + n + " is smaller than the " + (k - 1)
                    + " token classes of " + names.get(transformer) + " (num_vector_embeds - 1): sampled tokens would"
                    + " have no codebook entry");
        }
        if (tokenizerName != null && effective(text, "vocab_size") instanceof Integer v && tokenizerMaxId >= v) {
            problems.add(tokenizerName + " vocab.json holds token id " + tokenizerMaxId + ", but " + names.get(text)
                    + " vocab_size = " + v + " (token ids must be below the vocab size)");
        }
    }

    /** Records a problem unless a[keyA] == b[keyB]; keys without a value, or a bad one (reported already), are skipped. */
    private void agree(String classA, String keyA, String classB, String keyB) {
        if (effective(classA, keyA) instanceof Integer x && effective(classB, keyB) instanceof Integer y && !x.equals(y)) {
            problems.add(names.get(classA) + " " + keyA + " = " + x + " does not match " + names.get(classB) + " " + keyB
                    + " = " + y);
        }
    }

    /** A key's integer (or, for learnable, boolean) value, or null when the config, or a good value, is absent. */
    private Object effective(String className, String key) {
        ComponentConfig c = configs.get(className);
        if (c == null) {
            return null;
        }
        try {
            return key.equals("learnable") ? (Object) c.flag(key) : c.optionalInteger(key, 1);
        } catch (WeightsException e) {
            return null;
        }
    }
}
