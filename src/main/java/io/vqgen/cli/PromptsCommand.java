package io.vqgen.cli;

import io.vqgen.job.PromptsFile;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

import java.nio.file.Path;
import java.util.concurrent.Callable;

/** {@code vqgen prompts IN.jsonl OUT.parquet}: a prompts table for {@code vqgen run} from JSON lines. */
@Command(name = "prompts", mixinStandardHelpOptions = true,
        description = {"Write a prompts Parquet file from JSON lines ({\"id\": ..., \"prompt\": ..., optional overrides}).",
                "The same input always gives the same table (sample-data/prompts.parquet is made this way)."})
public final class PromptsCommand implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "JSONL", description = "one JSON object per line")
    Path jsonl;

    @Parameters(index = "1", paramLabel = "PARQUET", description = "the Parquet file to write (overwritten)")
    Path parquet;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        int rows = PromptsFile.convert(jsonl, parquet);
        spec.commandLine().getOut().println("wrote " + rows + " rows to " + parquet);
        return 0;
    }
}
