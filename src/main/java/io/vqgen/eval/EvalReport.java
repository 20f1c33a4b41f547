package io.vqgen.eval;

import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The page a person opens to look at an evaluation: the figures, the histogram of per-image CLIP scores, and grids of
 * images (a fixed sample, the lowest and the highest scores) with their prompts and scores. Self-contained: the
 * thumbnails are embedded, and each links to its full image.
 */
public final class EvalReport {
    /** One image on the page. @param thumbnail a data: URI; @param link where the full image is (relative or absolute) */
    public record Tile(String id, int imageIndex, String imageId, String prompt, Float score, String thumbnail,
                       String link) {
    }

    /** Counts of per-image CLIP scores in equal bins from {@code low} to {@code high}. */
    public record Histogram(double low, double high, long[] counts) {
    }

    /** @param skipped image URI (or id) → why it was skipped, the first few */
    public record Content(String title, Map<String, String> figures, List<String> warnings, Histogram histogram,
                          List<Tile> sample, List<Tile> lowest, List<Tile> highest, Map<String, String> skipped) {
    }

    private EvalReport() {
    }

    public static String html(Content c) {
        StringBuilder h = new StringBuilder();
        h.append("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n<title>")
                .append(esc(c.title())).append("</title>\n<style>\n")
                .append("body{font-family:system-ui,sans-serif;margin:24px;color:#222;max-width:1400px}")
                .append("h1{font-size:22px}h2{font-size:18px;margin-top:28px}")
                .append("table.figures td{padding:3px 12px 3px 0;vertical-align:top}table.figures td:first-child{color:#555}")
                .append(".warn{background:#fff4e0;border-left:4px solid #e69500;padding:8px 12px;margin:8px 0}")
                .append(".grid{display:grid;grid-template-columns:repeat(auto-fill,minmax(170px,1fr));gap:14px}")
                .append("figure{margin:0;font-size:12px}figure img{width:100%;image-rendering:auto;border:1px solid #ddd}")
                .append("figcaption .score{font-weight:bold}figcaption .id{color:#777}")
                .append("</style></head><body>\n");
        h.append("<h1>").append(esc(c.title())).append("</h1>\n");
        for (String w : c.warnings()) {
            h.append("<div class=\"warn\">").append(esc(w)).append("</div>\n");
        }
        h.append("<table class=\"figures\">\n");
        c.figures().forEach((k, v) -> h.append("<tr><td>").append(esc(k)).append("</td><td>").append(esc(v))
                .append("</td></tr>\n"));
        h.append("</table>\n");
        if (c.histogram() != null) {
            h.append("<h2>CLIP score per image</h2>\n").append(svg(c.histogram()));
        }
        grid(h, "Sample", c.sample());
        grid(h, "Lowest CLIP scores", c.lowest());
        grid(h, "Highest CLIP scores", c.highest());
        if (!c.skipped().isEmpty()) {
            h.append("<h2>Skipped images</h2>\n<ul>\n");
            c.skipped().forEach((k, v) -> h.append("<li><code>").append(esc(k)).append("</code>: ").append(esc(v))
                    .append("</li>\n"));
            h.append("</ul>\n");
        }
        return h.append("</body></html>\n").toString();
    }

    private static void grid(StringBuilder h, String title, List<Tile> tiles) {
        if (tiles.isEmpty()) {
            return;
        }
        h.append("<h2>").append(esc(title)).append("</h2>\n<div class=\"grid\">\n");
        for (Tile t : tiles) {
            h.append("<figure><a href=\"").append(esc(t.link())).append("\"><img src=\"").append(t.thumbnail())
                    .append("\" alt=\"").append(esc(t.prompt())).append("\"></a><figcaption>");
            if (t.score() != null) {
                h.append("<span class=\"score\">").append(String.format(Locale.ROOT, "%.2f", t.score())).append("</span> ");
            }
            h.append(esc(t.prompt())).append("<br><span class=\"id\">").append(esc(t.id())).append(" #")
                    .append(t.imageIndex());
            if (t.imageId() != null) {
                h.append(" · image_id ").append(esc(t.imageId()));
            }
            h.append("</span></figcaption></figure>\n");
        }
        h.append("</div>\n");
    }

    private static String svg(Histogram hist) {
        int w = 640;
        int hgt = 200;
        int bins = hist.counts().length;
        long max = 1;
        for (long n : hist.counts()) {
            max = Math.max(max, n);
        }
        StringBuilder s = new StringBuilder();
        s.append("<svg width=\"").append(w + 60).append("\" height=\"").append(hgt + 40)
                .append("\" role=\"img\" aria-label=\"histogram of CLIP scores\">\n");
        double bw = (double) w / bins;
        for (int i = 0; i < bins; i++) {
            double bh = hist.counts()[i] * (double) hgt / max;
            double lo = hist.low() + (hist.high() - hist.low()) * i / bins;
            double hi = hist.low() + (hist.high() - hist.low()) * (i + 1) / bins;
            s.append(String.format(Locale.ROOT, "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" fill=\"#4a7fb5\">"
                    + "<title>%.2f – %.2f: %d</title></rect>%n", 40 + i * bw, 10 + hgt - bh, Math.max(bw - 1, 0.5), bh,
                    lo, hi, hist.counts()[i]));
        }
        s.append(String.format(Locale.ROOT, "<text x=\"40\" y=\"%d\" font-size=\"12\">%.2f</text>%n", hgt + 28, hist.low()));
        s.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"%d\" font-size=\"12\" text-anchor=\"end\">%.2f</text>%n",
                40 + w, hgt + 28, hist.high()));
        s.append(String.format(Locale.ROOT, "<text x=\"0\" y=\"20\" font-size=\"12\">%d</text>%n", max));
        return s.append("</svg>\n").toString();
    }

    static String esc(String s) {
        if (s == null) {
            return "";
        }
        StringBuilder b = new StringBuilder(s.length());
        for (char ch : s.toCharArray()) {
            switch (ch) {
                case '<' -> b.append("&lt;");
                case '>' -> b.append("&gt;");
                case '&' -> b.append("&amp;");
                case '"' -> b.append("&quot;");
                case '\'' -> b.append("&#39;");
                default -> b.append(ch);
            }
        }
        return b.toString();
    }
}
