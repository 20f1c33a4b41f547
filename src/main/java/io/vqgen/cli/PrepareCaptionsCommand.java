package io.vqgen.cli;

import io.vqgen.captions.CaptionFormat;
import io.vqgen.captions.CaptionSampler;
import io.vqgen.captions.CaptionTable;
import io.vqgen.captions.CaptionsException;
import io.vqgen.captions.PromptTableWriter;
import org.apache.hadoop.fs.Path;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;

/** {@code vqgen prepare-captions}: a caption source (MSCOCO, CSV, JSONL, text) → the prompt Parquet the job reads. */
@Command(name = "prepare-captions", mixinStandardHelpOptions = true,
        description = {"Turn a caption source into the prompt table (Parquet: id, prompt, plus the source's columns) "
                + "that the generation job reads.",
                "Exit status: 0 written, 2 bad arguments or a file that cannot be used."})
public final class PrepareCaptionsCommand implements Callable<Integer> {
    @Spec
    private CommandSpec spec;

    @Option(names = "--format", required = true, paramLabel = "coco|csv|jsonl|txt",
            description = "coco: MSCOCO caption annotations (id = annotation id, keeps image_id and file_name); "
                    + "csv: header row; jsonl: one object per line; txt: one caption per line (id = line number).")
    private CaptionFormat format;

    @Option(names = "--input", required = true, paramLabel = "FILE", description = "The caption file (local).")
    private java.nio.file.Path input;

    @Option(names = "--output", required = true, paramLabel = "PATH",
            description = "Dataset folder to write (file://, s3a://, hdfs:// or a local path).")
    private String output;

    @Option(names = "--sample", paramLabel = "N",
            description = "Keep N captions drawn reproducibly (by seed and id, whatever the file order).")
    private Integer sample;

    @Option(names = "--seed", paramLabel = "S",
            description = "Seed of the --sample draw and of --one-per-image's choice (default: 0).")
    private Long seed;

    @Option(names = "--one-per-image",
            description = "Keep one caption per image_id (chosen by seed and caption id), before --sample: the "
                    + "usual FID protocol is --format coco --one-per-image --sample 30000.")
    private boolean onePerImage;

    @Option(names = "--id-column", paramLabel = "NAME",
            description = "csv/jsonl: the id column (default: 'id' if present, else the record/line number).")
    private String idColumn;

    @Option(names = "--text-column", paramLabel = "NAME",
            description = "csv/jsonl: the caption column (default: the first of prompt, caption, text).")
    private String textColumn;

    @Option(names = "--overwrite", description = "Replace PATH if it exists.")
    private boolean overwrite;

    @Option(names = "--conf", paramLabel = "KEY=VALUE",
            description = "Hadoop setting for the output file system, e.g. fs.s3a.endpoint=...; a spark.hadoop. "
                    + "prefix is dropped, so job-file keys can be reused. Credentials: use the environment, not this.")
    private Map<String, String> conf = new LinkedHashMap<>();

    @Override
    public Integer call() {
        if (seed != null && sample == null && !onePerImage) {
            throw new CaptionsException("--seed applies to --sample and --one-per-image; give --sample N or --one-per-image too");
        }
        long drawSeed = seed == null ? 0 : seed;
        CaptionTable table = format.reader(idColumn, textColumn).read(input);
        int total = table.size();
        String how = "";
        if (onePerImage) {
            table = CaptionSampler.onePerImage(table, drawSeed);
            how = " (one per image with seed " + drawSeed + ": " + table.size() + " images of " + total + " captions"
                    + (sample != null ? ", then " + sample + " of them sampled" : "") + ")";
        }
        if (sample != null) {
            int from = table.size();
            table = CaptionSampler.sample(table, sample, drawSeed);
            how = how.isEmpty() ? " (sampled with seed " + drawSeed + " from " + from + ")" : how;
        }
        Path written = new PromptTableWriter(HadoopSettings.of(conf)).write(table, output, overwrite);
        spec.commandLine().getOut().println("wrote " + table.size() + " captions" + how + " to " + written);
        return 0;
    }
}
