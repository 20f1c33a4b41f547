package io.vqgen.cli;

import io.vqgen.job.EvalJob;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;

/** {@code vqgen eval JOBFILE [--set key=value …]}: CLIP score and FID of a generation run, as a Spark job. */
@Command(name = "eval", mixinStandardHelpOptions = true,
        description = {"Evaluate a generation run: CLIP score (torchmetrics' definition) and FID (pytorch-fid's "
                + "network), with per-image scores, summary.json and report.html under <output>/eval/<run_id>/.",
                "Job file keys: see README (vqgen eval). Uses Spark local[*] unless spark.master is set."})
public final class EvalCommand implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "JOBFILE", description = "the job file")
    Path jobFile;

    @Option(names = "--set", paramLabel = "KEY=VALUE",
            description = "override a job file key (repeatable); spark.* keys go to the Spark configuration")
    List<String> overrides = new ArrayList<>();

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        return EvalJob.run(jobFile, overrides, spec.commandLine().getOut(), spec.commandLine().getErr());
    }
}
