package io.vqgen.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The vqgen command line: one entry point, one sub-command per task. */
@Command(name = "vqgen", mixinStandardHelpOptions = true, version = "vqgen 0.1.0",
        description = "VQ-Diffusion text-to-image generation as a batch job.",
        subcommands = {RunCommand.class, PromptsCommand.class})
public final class Main implements Runnable {
    public static void main(String[] args) {
        System.exit(run(args));
    }

    public static int run(String... args) {
        return new CommandLine(new Main()).execute(args);
    }

    @Override
    public void run() {
        new CommandLine(this).usage(System.out);
    }
}
