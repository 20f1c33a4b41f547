package io.vqgen.job;

import io.vqgen.ExternalTools;
import io.vqgen.cli.Main;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.imageio.ImageIO;
import java.io.ByteArrayInputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static io.vqgen.job.JobTestSupport.job;
import static io.vqgen.job.JobTestSupport.prompts;
import static io.vqgen.job.JobTestSupport.row;
import static io.vqgen.job.JobTestSupport.run;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code vqgen gallery} on a PNG output (images linked by file: URI) and a webdataset output (images embedded):
 * every image reference resolves to a PNG, and headless Chromium parses the page and loads every image.
 */
class GalleryTest {
    private static final Pattern SRC = Pattern.compile("<img [^>]*src=\"([^\"]*)\"");

    @TempDir
    Path tmp;
    Path model;

    @BeforeEach
    void setUp() {
        model = JobTestSupport.model(tmp.resolve("model"));
        FakeGenerator.reset();
    }

    private Path output(String format) {
        Path input = prompts(tmp.resolve("in/prompts.parquet"), row("a", "a red bus <b>bold?</b>"),
                row("b", "two cats"), "{\"id\": \"c\", \"prompt\": \"three dogs\", \"num_images\": 3}",
                row("bad", ""), row("worse", "[fail] never"));
        Path out = tmp.resolve("out-" + format);
        run(job(input, out, model, "partitions", "1", "output_format", format, "run_id", "r1"));
        return out;
    }

    private static String gallery(Path out, Path page, String... more) {
        List<String> args = new ArrayList<>(List.of("gallery", out.toString(), "--out", page.toString()));
        args.addAll(List.of(more));
        StringWriter o = new StringWriter();
        StringWriter e = new StringWriter();
        int code = Main.run(new PrintWriter(o), new PrintWriter(e), args.toArray(String[]::new));
        assertEquals(0, code, o + e.toString());
        return o.toString();
    }

    /** Every img src as PNG bytes: a file: URI's file, or a data: URI's payload. */
    private static List<byte[]> images(String html) throws Exception {
        List<byte[]> out = new ArrayList<>();
        Matcher m = SRC.matcher(html);
        while (m.find()) {
            String src = m.group(1);
            byte[] png = src.startsWith("data:image/png;base64,")
                    ? Base64.getDecoder().decode(src.substring("data:image/png;base64,".length()))
                    : Files.readAllBytes(Path.of(URI.create(src)));
            assertNotNull(ImageIO.read(new ByteArrayInputStream(png)), "a PNG: " + src.substring(0, Math.min(80, src.length())));
            out.add(png);
        }
        return out;
    }

    @Test
    void contactSheetsOfPngAndWebdatasetOutputsResolveEveryImage() throws Exception {
        for (String format : List.of("png", "webdataset")) {
            Path out = output(format);
            Path page = tmp.resolve(format + ".html");
            String said = gallery(out, page, "--sample", "4", "--run", "r1");
            assertTrue(said.contains("4 images and 2 error rows (of 5 and 2)"), said);
            String html = Files.readString(page);
            assertEquals(4, images(html).size());
            assertTrue(html.contains(format.equals("png") ? "src=\"file:///" : "src=\"data:image/png;base64,"), format);
            assertTrue(html.contains("a red bus &lt;b&gt;bold?&lt;/b&gt;") || !html.contains("red bus"), "escaped");
            assertTrue(html.contains("prompt is empty") && html.contains("simulated failure"), "the error rows");
            assertTrue(html.contains("guidance_scale 5.0"), "settings from the table");
            browse(page, 4);
        }
    }

    @Test
    void aMissingOutputOrRunIsOneLine() {
        StringWriter o = new StringWriter();
        StringWriter e = new StringWriter();
        int code = Main.run(new PrintWriter(o), new PrintWriter(e), "gallery", tmp.resolve("nothing").toString(),
                "--out", tmp.resolve("p.html").toString());
        assertEquals(2, code);
        assertTrue(e.toString().startsWith("vqgen gallery: output " + tmp.resolve("nothing") + ": no manifest to show ("),
                e.toString());
    }

    /** Headless Chromium: the DOM after loading has every image loaded; a screenshot is taken. */
    private void browse(Path page, int expected) throws Exception {
        String chromium = ExternalTools.chromium();
        List<String> flags = List.of("--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                "--disable-component-update", "--disable-sync", "--no-first-run",
                "--user-data-dir=" + Files.createTempDirectory(tmp, "chromium"), "--allow-file-access-from-files",
                "--virtual-time-budget=10000");
        List<String> dump = new ArrayList<>(List.of(chromium));
        dump.addAll(flags);
        dump.addAll(List.of("--dump-dom", page.toUri().toString()));
        String dom = ExternalTools.check(dump);
        assertEquals(expected, count(dom, "data-state=\"loaded\""), "every image loaded:\n" + dom.substring(0, Math.min(2000, dom.length())));
        assertEquals(0, count(dom, "data-state=\"missing\""));
        Path shot = tmp.resolve(page.getFileName() + ".png");
        List<String> screenshot = new ArrayList<>(List.of(chromium));
        screenshot.addAll(flags);
        screenshot.addAll(List.of("--window-size=1200,900", "--screenshot=" + shot, page.toUri().toString()));
        ExternalTools.check(screenshot);
        assertEquals(1200, ImageIO.read(shot.toFile()).getWidth());
    }

    private static int count(String text, String needle) {
        int n = 0;
        for (int i = text.indexOf(needle); i >= 0; i = text.indexOf(needle, i + 1)) {
            n++;
        }
        return n;
    }
}
