package io.vqgen.cli;

import io.vqgen.captions.CaptionsException;
import io.vqgen.convert.ConversionException;
import io.vqgen.eval.EvalException;
import io.vqgen.job.CommandLineLogging;
import io.vqgen.job.JobException;
import io.vqgen.model.ModelException;
import io.vqgen.pipeline.PipelineException;
import io.vqgen.text.TextException;
import io.vqgen.weights.WeightsException;
import org.slf4j.LoggerFactory;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.ParseResult;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;

/**
 * The vqgen command line: one entry point, one sub-command per task, one error path. Exit codes: 0 success, 2 bad
 * usage or bad input (a typed exception of one of vqgen's layers: one line on stderr, no stack trace), 1 anything
 * else (a bug or a failure: one line on stderr, the stack trace in the log).
 */
@Command(name = "vqgen", mixinStandardHelpOptions = true, version = "vqgen 0.1.0",
        description = "VQ-Diffusion text-to-image generation as a batch job.",
        subcommands = {RunCommand.class, EvalCommand.class, GenerateCommand.class, InitModelCommand.class,
            InspectModelCommand.class, BenchCommand.class, TokenizeCommand.class, PromptsCommand.class,
            PrepareCaptionsCommand.class, ConvertOriginalCommand.class, GalleryCommand.class})
public final class Main implements Runnable {
    static final int EXIT_FAILURE = 1;
    static final int EXIT_BAD_INPUT = 2;

    @Spec
    CommandSpec spec;

    public static void main(String[] args) {
        // before anything logs: the command line's logging (console for progress, a file for the details)
        CommandLineLogging.select();
        System.exit(run(args));
    }

    public static int run(String... args) {
        return run(new PrintWriter(System.out, true), new PrintWriter(System.err, true), args);
    }

    /** Runs the command line with its output and errors going to the given writers. */
    public static int run(PrintWriter out, PrintWriter err, String... args) {
        CommandLine cli = commandLine().setOut(out).setErr(err);
        int code = cli.execute(args);
        out.flush();
        err.flush();
        return code;
    }

    /** The configured command line (exit codes, one-line errors), for callers that redirect its output. */
    public static CommandLine commandLine() {
        return new CommandLine(new Main())
                .setCaseInsensitiveEnumValuesAllowed(true)
                .setParameterExceptionHandler(Main::badUsage)
                .setExecutionExceptionHandler(Main::failed);
    }

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    private static int badUsage(ParameterException e, String[] args) {
        CommandLine cli = e.getCommandLine();
        String name = cli.getCommandSpec().qualifiedName();
        cli.getErr().println(name + ": " + oneLine(e.getMessage()) + " (see '" + name + " --help')");
        return EXIT_BAD_INPUT;
    }

    private static int failed(Exception e, CommandLine cli, ParseResult parsed) {
        String name = cli.getCommandSpec().qualifiedName();
        if (isBadInput(e)) {
            cli.getErr().println(name + ": " + oneLine(e.getMessage()));
            return EXIT_BAD_INPUT;
        }
        LoggerFactory.getLogger(Main.class).error("{} failed", name, e);
        cli.getErr().println(name + ": internal error: " + oneLine(String.valueOf(e)) + " (stack trace in "
                + System.getProperty("vqgen.log.file", "the log") + ")");
        return EXIT_FAILURE;
    }

    /**
     * Errors that the user can act on, one typed exception per layer: the message says what was wrong and what was
     * expected. Anything else (IllegalArgumentException and IllegalStateException included) is a bug.
     */
    static boolean isBadInput(Throwable e) {
        return e instanceof UserError || e instanceof TextException || e instanceof WeightsException
                || e instanceof ModelException || e instanceof PipelineException || e instanceof JobException
                || e instanceof CaptionsException || e instanceof ConversionException || e instanceof EvalException;
    }

    private static String oneLine(String message) {
        return String.valueOf(message).replaceAll("\\s*[\\r\\n]+\\s*", " ").strip();
    }
}
