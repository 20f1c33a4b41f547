package io.vqgen.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The vqgen command line: one entry point, one sub-command per task. */
@Command(name = "vqgen", mixinStandardHelpOptions = true, version = "vqgen 0.1.0",
        description = "VQ-Diffusion text-to-image generation as a batch job.",
        subcommands = {PrepareCaptionsCommand.class})
public final class Main implements Runnable {
    public static void main(String[] args) {
        System.exit(run(args));
    }

    public static int run(String... args) {
        return commandLine().execute(args);
    }

    /** The configured command line, for callers that redirect its output. */
    public static CommandLine commandLine() {
        return new CommandLine(new Main()).setCaseInsensitiveEnumValuesAllowed(true);
    }

    @Override
    public void run() {
        new CommandLine(this).usage(System.out);
    }
}
