package io.vqgen.eval;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.vqgen.eval.image.ImageDecoder;
import io.vqgen.eval.image.RgbImage;
import io.vqgen.weights.Npy;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;

/** The evaluation goldens in src/test/reference/eval (see its README): made by tools/reference/eval/make_eval_goldens.py. */
public final class EvalGoldens {
    public static final Path DIR = Path.of("src/test/reference/eval");
    private static JsonNode json;

    private EvalGoldens() {
    }

    public static synchronized JsonNode json() {
        if (json == null) {
            try {
                json = new ObjectMapper().readTree(DIR.resolve("goldens.json").toFile());
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return json;
    }

    public static RgbImage image(String name) {
        return decode(DIR.resolve("images").resolve(name + ".png"));
    }

    public static RgbImage expectedImage(String file) {
        return decode(DIR.resolve("expected").resolve(file));
    }

    public static List<String> imageNames() {
        List<String> names = new ArrayList<>();
        json().get("images").forEach(n -> names.add(n.asText()));
        return names;
    }

    public static List<RgbImage> images() {
        return imageNames().stream().map(EvalGoldens::image).toList();
    }

    public static Npy.Array npy(String file) {
        return Npy.read(DIR.resolve("expected").resolve(file));
    }

    /** Rows of a 2-D float array. */
    public static float[][] rows(String file) {
        Npy.Array a = npy(file);
        int d = (int) a.shape()[1];
        float[] flat = a.toFloats();
        float[][] out = new float[flat.length / d][d];
        for (int i = 0; i < out.length; i++) {
            System.arraycopy(flat, i * d, out[i], 0, d);
        }
        return out;
    }

    public static double tolerance(String output) {
        return json().get("float64_vs_float32").get(output).asDouble();
    }

    static RgbImage decode(Path file) {
        try {
            return ImageDecoder.decode(Files.readAllBytes(file), file.toString());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public static String sha256(Path file) {
        try {
            MessageDigest d = MessageDigest.getInstance("SHA-256");
            try (var in = Files.newInputStream(file)) {
                byte[] buf = new byte[1 << 20];
                for (int n; (n = in.read(buf)) > 0; ) {
                    d.update(buf, 0, n);
                }
            }
            return HexFormat.of().formatHex(d.digest());
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }
}
