package io.vqgen.cli;

import io.vqgen.LocalS3;
import io.vqgen.captions.CocoFiles;
import io.vqgen.captions.PromptTables;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** prepare-captions writing to s3a:// on an in-process S3-compatible server (127.0.0.1), settings given with --conf. */
class PrepareCaptionsS3Test {
    private static final String BUCKET = "prompts";
    private static LocalS3 s3;

    @TempDir
    java.nio.file.Path dir;

    @BeforeAll
    static void startS3() throws Exception {
        s3 = LocalS3.start(BUCKET);
    }

    @AfterAll
    static void stopS3() throws Exception {
        s3.close();
    }

    private static Map<String, String> s3aSettings() {
        return s3.hadoopSettings();
    }

    @Test
    void writesTheTableToS3aWithJobFileStyleSettings() throws Exception {
        java.nio.file.Path annotations = CocoFiles.write(dir, "captions_val2014.json", CocoFiles.VAL_SAMPLE);
        List<String> args = new ArrayList<>(List.of("prepare-captions", "--format", "coco",
                "--input", annotations.toString(), "--output", "s3a://" + BUCKET + "/mscoco/val-sample", "--sample", "3"));
        // half the settings with the job file's spark.hadoop. prefix, half without: both reach Hadoop
        boolean prefixed = false;
        for (Map.Entry<String, String> e : s3aSettings().entrySet()) {
            args.addAll(List.of("--conf", (prefixed ? "spark.hadoop." : "") + e.getKey() + "=" + e.getValue()));
            prefixed = !prefixed;
        }
        StringWriter err = new StringWriter();
        int status = Main.commandLine().setErr(new PrintWriter(err, true)).setOut(new PrintWriter(new StringWriter()))
                .execute(args.toArray(String[]::new));
        assertEquals(0, status, err.toString());

        Configuration conf = new Configuration();
        s3aSettings().forEach(conf::set);
        Path table = new Path("s3a://" + BUCKET + "/mscoco/val-sample");
        FileSystem fs = table.getFileSystem(conf);
        assertTrue(fs.exists(new Path(table, "_SUCCESS")));
        List<Map<String, Object>> rows = PromptTables.read(new Path(table, "part-00000.parquet"), conf);
        assertEquals(3, rows.size());
        assertTrue(rows.stream().allMatch(r -> r.get("image_id") instanceof Long && r.get("file_name") != null), rows.toString());
    }
}
