package io.vqgen.weights;

import com.fasterxml.jackson.databind.JsonNode;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The weight files of one component as diffusers/transformers name them: a single file
 * ({@code model.safetensors}, {@code diffusion_pytorch_model.safetensors}, {@code pytorch_model.bin}, …)
 * or the shards listed by an index ({@code *.safetensors.index.json} / {@code *.bin.index.json}).
 * A variant ("fp16") is inserted before the last extension, as diffusers does. Safetensors win over .bin.
 *
 * @param index the shard index, or null for a single file
 * @param files the single file, or every shard in index order
 */
public record WeightFiles(String component, Path index, List<Path> files) {
    private static final List<String> STEMS_SAFETENSORS = List.of("model", "diffusion_pytorch_model");
    private static final List<String> STEMS_BIN = List.of("pytorch_model", "diffusion_pytorch_model");
    /** A variant is one file-name part such as "fp16": nothing that could point elsewhere. */
    static final String VARIANT_PATTERN = "[A-Za-z0-9_-]+";

    public WeightFiles {
        files = List.copyOf(files);
    }

    public boolean sharded() {
        return index != null;
    }

    /** Finds the component's weights in {@code dir}; {@code variant} may be null. */
    static WeightFiles find(Path dir, String component, String variant) {
        if (variant != null && !variant.matches(VARIANT_PATTERN)) {
            throw new WeightsException("weights variant must be a simple name such as 'fp16', got '" + variant + "'");
        }
        for (String ext : List.of("safetensors", "bin")) {
            List<String> names = new ArrayList<>();
            for (String stem : ext.equals("bin") ? STEMS_BIN : STEMS_SAFETENSORS) {
                names.add(withVariant(stem + "." + ext, variant));
                names.add(withVariant(stem + "." + ext + ".index.json", variant));
            }
            List<Path> present = names.stream().map(dir::resolve).filter(Files::isRegularFile).toList();
            if (present.size() > 1) {
                throw new WeightsException(dir + ": ambiguous weights for component '" + component + "': found "
                        + present.stream().map(p -> p.getFileName().toString()).toList() + "; keep only one");
            }
            if (present.size() == 1) {
                Path p = present.get(0);
                return p.getFileName().toString().endsWith(".json") ? sharded(component, p) : new WeightFiles(component, null, List.of(p));
            }
        }
        throw new WeightsException(dir + ": no weight file for component '" + component + "'"
                + (variant == null ? "" : " in variant '" + variant + "'") + " (expected "
                + withVariant("diffusion_pytorch_model.safetensors", variant) + ", "
                + withVariant("model.safetensors", variant) + ", their .bin equivalents or a sharded *.index.json); folder holds "
                + listing(dir));
    }

    /** diffusers' _add_variant: "a.safetensors" + fp16 → "a.fp16.safetensors", "a.safetensors.index.json" → "a.safetensors.index.fp16.json". */
    static String withVariant(String name, String variant) {
        if (variant == null) {
            return name;
        }
        int dot = name.lastIndexOf('.');
        return name.substring(0, dot) + "." + variant + name.substring(dot);
    }

    private static WeightFiles sharded(String component, Path index) {
        Map<String, String> weightMap = weightMap(index);
        Set<Path> shards = new LinkedHashSet<>();
        for (String shard : new LinkedHashSet<>(weightMap.values())) {
            if (shard.isEmpty() || shard.contains("/") || shard.contains("\\") || shard.equals("..") || shard.equals(".")) {
                throw new WeightsException(index + ": shard name '" + shard + "' must be a file name in the same folder");
            }
            Path p = index.resolveSibling(shard);
            if (!Files.isRegularFile(p)) {
                throw new WeightsException(index + ": shard '" + shard + "' is missing (expected " + p + ")");
            }
            shards.add(p);
        }
        return new WeightFiles(component, index, new ArrayList<>(shards));
    }

    private static Map<String, String> weightMap(Path index) {
        JsonNode root = ModelFolder.readJson(index);
        JsonNode map = root == null ? null : root.get("weight_map");
        if (map == null || !map.isObject() || map.isEmpty()) {
            throw new WeightsException(index + ": not a shard index: expected a non-empty \"weight_map\" object "
                    + "(tensor name → shard file)");
        }
        Map<String, String> out = new LinkedHashMap<>();
        map.fields().forEachRemaining(e -> {
            if (!e.getValue().isTextual()) {
                throw new WeightsException(index + ": weight_map entry '" + e.getKey() + "' must name a shard file, found "
                        + e.getValue());
            }
            out.put(e.getKey(), e.getValue().asText());
        });
        return out;
    }

    /**
     * Opens every file and returns all tensors by name (the mapped bytes outlive the open files). For shards,
     * every tensor the index lists must be in its shard and every tensor of a shard must be listed for it.
     */
    public Map<String, RawTensor> readTensors() {
        if (!sharded()) {
            try (TensorFile f = TensorFile.open(files.get(0))) {
                return f.tensors();
            }
        }
        Map<String, String> weightMap = weightMap(index);
        Map<String, RawTensor> found = new LinkedHashMap<>();
        for (Path shard : files) {
            String shardName = shard.getFileName().toString();
            try (TensorFile f = TensorFile.open(shard)) {
                for (RawTensor t : f.tensors().values()) {
                    String listed = weightMap.get(t.name());
                    if (!shardName.equals(listed)) {
                        throw new WeightsException(index + ": shard '" + shardName + "' holds tensor '" + t.name() + "', which the index "
                                + (listed == null ? "does not list" : "assigns to '" + listed + "'"));
                    }
                    found.put(t.name(), t);
                }
            }
        }
        Map<String, RawTensor> out = new LinkedHashMap<>();
        weightMap.forEach((name, shard) -> {
            RawTensor t = found.get(name);
            if (t == null) {
                throw new WeightsException(index + ": tensor '" + name + "' is listed in shard '" + shard
                        + "' but that shard does not hold it");
            }
            out.put(name, t);
        });
        return out;
    }

    /** Total size of the files on disk, in bytes. */
    public long bytes() {
        long total = 0;
        for (Path p : files) {
            try {
                total += Files.size(p);
            } catch (IOException e) {
                throw new WeightsException(p + ": cannot read size: " + e.getMessage(), e);
            }
        }
        return total;
    }

    private static String listing(Path dir) {
        try (var stream = Files.list(dir)) {
            List<String> names = stream.map(p -> p.getFileName().toString()).sorted().toList();
            return names.isEmpty() ? "nothing" : names.toString();
        } catch (IOException e) {
            return "(cannot list: " + e.getMessage() + ")";
        }
    }
}
