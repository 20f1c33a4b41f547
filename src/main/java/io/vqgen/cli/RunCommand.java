package io.vqgen.cli;

import io.vqgen.job.GenerateJob;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;

/** {@code vqgen run JOBFILE [--set key=value …]}: the Spark generation job, in local mode unless a master is set. */
@Command(name = "run", mixinStandardHelpOptions = true,
        description = {"Run a generation job (a .properties job file, see jobs/ and README).",
                "Uses Spark local[*] unless spark.master is set (job file, --set or spark-submit)."})
public final class RunCommand implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "JOBFILE", description = "the job file")
    Path jobFile;

    @Option(names = {"--set", "--conf"}, paramLabel = "KEY=VALUE",
            description = "override a job file key (repeatable); spark.* keys go to the Spark configuration "
                    + "(--conf spark.x=y as with spark-submit)")
    List<String> overrides = new ArrayList<>();

    @Option(names = "--dry-run", description = "make every check a run makes (input, model, output, resume state), "
            + "print the plan and an estimate (est_seconds_per_image), and exit without generating or writing")
    boolean dryRun;

    @Option(names = "--json", description = "with --dry-run: print the plan as JSON")
    boolean json;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        if (json && !dryRun) {
            throw new UserError("--json goes with --dry-run (a run prints its summary; its JSON is in runs/<run_id>.json)");
        }
        GenerateJob.Mode mode = !dryRun ? GenerateJob.Mode.RUN
                : json ? GenerateJob.Mode.JSON_DRY_RUN : GenerateJob.Mode.DRY_RUN;
        return GenerateJob.run(jobFile, overrides, mode, spec.commandLine().getOut(), spec.commandLine().getErr());
    }
}
