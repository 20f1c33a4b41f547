package io.vqgen.eval.image;

import java.util.Locale;

/**
 * Pillow's resampling filters ({@code Image.Resampling}), with the support and kernel of its {@code Resample.c}.
 * The numeric codes are Pillow's, as image processors store them in {@code preprocessor_config.json}
 * ({@code "resample": 3} is bicubic). Nearest (0) is a different algorithm and is not offered.
 */
public enum PilFilter {
    BOX(4, 0.5) {
        @Override
        double weight(double x) {
            return x > -0.5 && x <= 0.5 ? 1.0 : 0.0;
        }
    },
    BILINEAR(2, 1.0) {
        @Override
        double weight(double x) {
            x = Math.abs(x);
            return x < 1.0 ? 1.0 - x : 0.0;
        }
    },
    HAMMING(5, 1.0) {
        @Override
        double weight(double x) {
            x = Math.abs(x);
            if (x == 0.0) {
                return 1.0;
            }
            if (x >= 1.0) {
                return 0.0;
            }
            x = x * Math.PI;
            // Pillow writes the constants as C floats (0.54f, 0.46f): the same values here
            return Math.sin(x) / x * (0.54f + 0.46f * Math.cos(x));
        }
    },
    /** Keys' cubic convolution with a = -0.5 (torch's bicubic uses a = -0.75 and no antialiasing: not the same). */
    BICUBIC(3, 2.0) {
        @Override
        double weight(double x) {
            final double a = -0.5;
            x = Math.abs(x);
            if (x < 1.0) {
                return ((a + 2.0) * x - (a + 3.0)) * x * x + 1;
            }
            if (x < 2.0) {
                return (((x - 5) * x + 8) * x - 4) * a;
            }
            return 0.0;
        }
    },
    LANCZOS(1, 3.0) {
        @Override
        double weight(double x) {
            return -3.0 <= x && x < 3.0 ? sinc(x) * sinc(x / 3) : 0.0;
        }
    };

    private final int code;
    private final double support;

    PilFilter(int code, double support) {
        this.code = code;
        this.support = support;
    }

    abstract double weight(double x);

    double support() {
        return support;
    }

    public int code() {
        return code;
    }

    private static double sinc(double x) {
        if (x == 0.0) {
            return 1.0;
        }
        x = x * Math.PI;
        return Math.sin(x) / x;
    }

    /** By Pillow's numeric code (0 nearest, 1 lanczos, 2 bilinear, 3 bicubic, 4 box, 5 hamming). */
    public static PilFilter ofCode(int code) {
        for (PilFilter f : values()) {
            if (f.code == code) {
                return f;
            }
        }
        throw new IllegalArgumentException("resample " + code + " is not supported (expected one of Pillow's "
                + "filters: 1 lanczos, 2 bilinear, 3 bicubic, 4 box, 5 hamming; 0 nearest is not offered)");
    }

    public String label() {
        return name().toLowerCase(Locale.ROOT);
    }
}
