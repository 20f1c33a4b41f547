package io.vqgen.job;

import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FSDataInputStream;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.LocatedFileStatus;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.fs.RemoteIterator;
import org.apache.spark.sql.Row;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * What a reader finds in an output after a fault, checked: no manifest row or image lost, duplicated, partial or
 * orphaned.
 * <ul>
 * <li>every manifest row is one of the input's images (no orphan rows); no image has two {@code ok} rows, in any
 * runs (no duplicates);</li>
 * <li>every {@code ok} row's image exists, decodes as a PNG, and has the row's width and height;</li>
 * <li>every file under {@code images/} decodes as a whole PNG (nothing partial is visible); once the output is
 * complete, each is an {@code ok} row's image and every image of the input has one.</li>
 * </ul>
 */
final class OutputCheck {
    /** What was found: ok rows by "id#index", all manifest rows, the files under images/ and under .partial/. */
    record Found(Map<String, Row> ok, List<Row> rows, Set<String> imageFiles, List<String> staged) {
    }

    private OutputCheck() {
    }

    /**
     * @param output   the output root as the job names it (a Hadoop URI)
     * @param expected the input's images, as "id#index"
     * @param complete whether every expected image must have its ok row by now
     */
    static Found verify(String output, Configuration conf, Set<String> expected, boolean complete) throws IOException {
        FileSystem fs = new Path(output).getFileSystem(conf);
        List<Row> rows = hasDataFiles(fs, new Path(output, "manifest")) ? JobTestSupport.manifest(output) : List.of();
        for (Row r : rows) {
            String key = r.getAs("id") + "#" + (r.isNullAt(r.fieldIndex("image_index")) ? "-" : r.getAs("image_index"));
            assertTrue(expected.contains(key), "manifest row for an image the input does not ask for: " + r);
        }
        Map<String, Row> ok = JobTestSupport.okImages(rows); // fails on a duplicate
        Set<String> referenced = new TreeSet<>();
        for (Map.Entry<String, Row> e : ok.entrySet()) {
            Row r = e.getValue();
            String uri = r.getAs("image_uri");
            BufferedImage img = decode(fs, new Path(uri));
            assertNotNull(img, e.getKey() + ": " + uri + " is a whole PNG");
            assertEquals((int) r.getAs("width"), img.getWidth(), uri);
            assertEquals((int) r.getAs("height"), img.getHeight(), uri);
            referenced.add(fs.makeQualified(new Path(uri)).toString());
        }
        Set<String> files = new TreeSet<>();
        Path images = new Path(output, "images");
        if (fs.exists(images)) {
            RemoteIterator<LocatedFileStatus> it = fs.listFiles(images, true);
            while (it.hasNext()) {
                Path p = it.next().getPath();
                if (p.getName().startsWith(".") && p.getName().endsWith(".crc")) {
                    continue; // Hadoop's checksum side files (Spark's, or an image written before OutputFiles)
                }
                assertNotNull(decode(fs, p), p + " is visible, so it must be a whole PNG");
                files.add(fs.makeQualified(p).toString());
            }
        }
        List<String> staged = new ArrayList<>();
        Path partial = new Path(output, ".partial");
        if (fs.exists(partial)) {
            RemoteIterator<LocatedFileStatus> it = fs.listFiles(partial, true);
            while (it.hasNext()) {
                staged.add(it.next().getPath().toString());
            }
        }
        if (complete) {
            Set<String> expectedImages = new TreeSet<>();
            for (String key : expected) {
                if (!key.endsWith("#-")) {
                    expectedImages.add(key);
                }
            }
            assertEquals(expectedImages, ok.keySet(), "every image of the input has one ok row");
            assertEquals(referenced, files, "every file under images/ is an ok row's image");
            assertEquals(List.of(), staged, "nothing left in the staging folder");
        }
        return new Found(ok, rows, files, staged);
    }

    /** Whether a reader finds any Parquet file under {@code dir} (Spark skips paths with a part starting "_" or "."). */
    private static boolean hasDataFiles(FileSystem fs, Path dir) throws IOException {
        if (!fs.exists(dir)) {
            return false;
        }
        String root = fs.makeQualified(dir).toUri().getPath();
        RemoteIterator<LocatedFileStatus> it = fs.listFiles(dir, true);
        while (it.hasNext()) {
            String relative = it.next().getPath().toUri().getPath().substring(root.length());
            if (relative.endsWith(".parquet") && !relative.matches(".*/[_.].*")) {
                return true;
            }
        }
        return false;
    }

    /** The image, or null if the file is not a whole PNG. */
    private static BufferedImage decode(FileSystem fs, Path path) throws IOException {
        byte[] bytes;
        try (FSDataInputStream in = fs.open(path)) {
            bytes = in.readAllBytes();
        }
        try {
            return ImageIO.read(new ByteArrayInputStream(bytes));
        } catch (IOException e) {
            return null;
        }
    }

    /** "id#index" of every image of rows {@code id0..id(n-1)} with one image each. */
    static Set<String> images(String prefix, int n) {
        Set<String> keys = new TreeSet<>();
        for (int i = 0; i < n; i++) {
            keys.add(prefix + i + "#0");
        }
        return keys;
    }

    /** Rows by run id. */
    static Map<String, Integer> rowsByRun(List<Row> rows) {
        Map<String, Integer> counts = new HashMap<>();
        for (Row r : rows) {
            counts.merge(r.getAs("run_id"), 1, Integer::sum);
        }
        return counts;
    }
}
