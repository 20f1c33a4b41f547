package io.vqgen.cli;

import io.vqgen.job.Gallery;
import org.apache.logging.log4j.Level;
import org.apache.logging.log4j.core.config.Configurator;
import org.apache.spark.sql.SparkSession;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;

/** {@code vqgen gallery OUTPUT --out page.html}: a contact sheet of a job's output, to open in a browser. */
@Command(name = "gallery", mixinStandardHelpOptions = true,
        description = {"Write an HTML contact sheet of a job's output: a sample of its images with prompt, seed, "
                + "sampler and settings, and its error rows.",
            "Local PNGs are linked (file: URIs); images in webdataset shards or on s3a://, hdfs:// are embedded as "
                    + "data: URIs, so the page is self-contained."})
public final class GalleryCommand implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "OUTPUT", description = "A job's output root (file, s3a://, hdfs://).")
    String output;

    @Option(names = "--out", required = true, paramLabel = "PAGE.html", description = "The page to write.")
    Path page;

    @Option(names = "--sample", paramLabel = "N", defaultValue = "100",
            description = "Images (and error rows) to show at most (default: ${DEFAULT-VALUE}).")
    int sample;

    @Option(names = "--run", paramLabel = "RUN_ID", description = "Only this run (default: every run).")
    String runId;

    @Option(names = "--conf", paramLabel = "KEY=VALUE",
            description = "A Spark or Hadoop setting (repeatable), e.g. spark.hadoop.fs.s3a.endpoint=... for s3a://.")
    List<String> conf = new ArrayList<>();

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws IOException {
        if (sample < 1) {
            throw new UserError("--sample must be at least 1, got " + sample);
        }
        SparkSession.Builder builder = SparkSession.builder().appName("vqgen gallery")
                .config("spark.ui.enabled", "false").config("spark.ui.showConsoleProgress", "false");
        for (String kv : conf) {
            int eq = kv.indexOf('=');
            if (eq <= 0) {
                throw new UserError("--conf '" + kv + "': expected KEY=VALUE");
            }
            builder.config(kv.substring(0, eq), kv.substring(eq + 1));
        }
        boolean own = SparkSession.getActiveSession().isEmpty() && SparkSession.getDefaultSession().isEmpty();
        if (own) {
            builder.master("local[*]");
        }
        SparkSession spark = builder.getOrCreate();
        if (own) {
            spark.sparkContext().setLogLevel("WARN");
            Configurator.setLevel("io.vqgen", Level.INFO);
        }
        try {
            Gallery.Selection selection = Gallery.select(spark, output, runId, sample);
            String html = Gallery.html(output, runId, selection, spark.sparkContext().hadoopConfiguration());
            if (page.toAbsolutePath().getParent() != null) {
                Files.createDirectories(page.toAbsolutePath().getParent());
            }
            Files.writeString(page, html, StandardCharsets.UTF_8);
            spec.commandLine().getOut().printf("%s: %d images and %d error rows (of %d and %d)%n",
                    page.toAbsolutePath(), selection.images().size(), selection.errors().size(),
                    selection.imagesOk(), selection.errorRows());
        } finally {
            if (own) {
                spark.stop();
            }
        }
        return 0;
    }
}
