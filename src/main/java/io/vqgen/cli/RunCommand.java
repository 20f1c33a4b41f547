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

    @Option(names = "--set", paramLabel = "KEY=VALUE",
            description = "override a job file key (repeatable); spark.* keys go to the Spark configuration")
    List<String> overrides = new ArrayList<>();

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        return GenerateJob.run(jobFile, overrides, spec.commandLine().getOut(), spec.commandLine().getErr());
    }
}
