package io.vqgen.job;

import io.vqgen.ChildJvm;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Bad input found inside Spark, under the spark-submit entry points ({@link GenerateJob}, {@link EvalJob} main) in JVMs
 * of their own: the console shows vqgen's lines only, the error in one line, and the traces go to the log file.
 * Before, Spark's executor and scheduler printed 50–800 lines of stack trace ahead of the one line that matters.
 */
class ConsoleErrorTest {
    /** vqgen's progress lines (log4j2-cli.properties' console pattern: time, level, class, message). */
    private static final Pattern VQGEN_LINE = Pattern.compile("\\d\\d:\\d\\d:\\d\\d (INFO|WARN|ERROR) [A-Za-z]+: .*");

    @TempDir
    static Path tmp;
    private static Path model;
    private static Run missing;
    private static Run notParquet;
    private static Run evalGarbage;
    private static Run operator;

    private record Run(ChildJvm child, Path dir, int code) {
        String console() throws IOException {
            return Files.readString(dir.resolve("stderr.txt"));
        }

        String logFile() throws IOException {
            Path log = dir.resolve("vqgen.log");
            return Files.exists(log) ? Files.readString(log) : "";
        }
    }

    @BeforeAll
    static void runAll() throws Exception {
        model = Path.of("sample-data/model").toAbsolutePath(); // the real pipeline's model check passes; no test double
        Path garbage = Files.write(Files.createDirectories(tmp.resolve("in")).resolve("prompts.parquet"),
                "id,prompt\na,a cat\n".getBytes());
        Path generated = Files.createDirectories(tmp.resolve("generated/manifest/run_id=r"));
        Files.write(generated.resolve("part-00000.parquet"), new byte[] {'P', 'A', 'R', '1', 0, 0, 0, 0});
        ChildJvm[] children = {
            generate("missing", tmp.resolve("no-such-table")),
            generate("not-parquet", garbage),
            start("eval", EvalJob.class.getName(), List.of("generated=" + tmp.resolve("generated").toUri(),
                    "metrics=clip", "clip_model=" + tmp.resolve("no-clip"), "spark.master=local[1]",
                    "spark.ui.enabled=false")),
            operatorsLogging(garbage),
        };
        int[] codes = new int[children.length];
        for (int i = 0; i < children.length; i++) {
            codes[i] = children[i].waitFor(Duration.ofMinutes(4));
        }
        missing = new Run(children[0], tmp.resolve("missing"), codes[0]);
        notParquet = new Run(children[1], tmp.resolve("not-parquet"), codes[1]);
        evalGarbage = new Run(children[2], tmp.resolve("eval"), codes[2]);
        operator = new Run(children[3], tmp.resolve("operator"), codes[3]);
    }

    /** As spark-submit runs a driver whose Spark conf folder holds a log4j2.properties (the deploy kit's, here). */
    private static ChildJvm operatorsLogging(Path input) throws IOException {
        Path dir = Files.createDirectories(tmp.resolve("operator"));
        Path conf = Files.createDirectories(dir.resolve("conf"));
        Files.copy(Path.of("conf/log4j2.properties"), conf.resolve("log4j2.properties"));
        Path jobFile = Files.write(dir.resolve("job.properties"), List.of("input=" + input,
                "output=" + dir.resolve("out"), "model=" + model, "spark.master=local[1]", "spark.ui.enabled=false"));
        return ChildJvm.start(conf + java.io.File.pathSeparator + ChildJvm.mainClassPath(), List.of(),
                GenerateJob.class.getName(), List.of(jobFile.toString()), dir.resolve("stdout.txt"),
                dir.resolve("stderr.txt"));
    }

    private static ChildJvm generate(String name, Path input) throws IOException {
        return start(name, GenerateJob.class.getName(), List.of("input=" + input, "output=" + tmp.resolve(name + "-out"),
                "model=" + model, "steps=5",
                "spark.master=local[1]", "spark.ui.enabled=false"));
    }

    /**
     * The main with a job file, as spark-submit calls it: the application's class path (its log4j2.properties in
     * effect), no logging configuration named.
     */
    private static ChildJvm start(String name, String mainClass, List<String> job) throws IOException {
        Path dir = Files.createDirectories(tmp.resolve(name));
        Path jobFile = Files.write(dir.resolve("job.properties"), job);
        return ChildJvm.start(ChildJvm.mainClassPath(), List.of("-D" + CommandLineLogging.LOG_FILE + "=" + dir.resolve("vqgen.log")), mainClass,
                List.of(jobFile.toString()), dir.resolve("stdout.txt"), dir.resolve("stderr.txt"));
    }

    @Test
    void aMissingInputIsOneLine() throws IOException {
        assertOneLine(missing, "vqgen run: input " + tmp.resolve("no-such-table") + ": cannot read a Parquet table there");
    }

    @Test
    void anInputThatIsNotParquetIsOneLineAndItsTraceIsInTheLogFile() throws IOException {
        assertOneLine(notParquet, "vqgen run: input " + tmp.resolve("in/prompts.parquet")
                + ": cannot read a Parquet table there");
        assertTrue(notParquet.logFile().contains("\tat org.apache.spark"), "Spark's trace is in the log file");
    }

    @Test
    void anEvaluationOfAnUnreadableManifestIsOneLine() throws IOException {
        assertOneLine(evalGarbage, "vqgen eval: ");
    }

    @Test
    void anOperatorsLoggingConfigurationIsKept() throws IOException {
        assertEquals(2, operator.code(), operator.console());
        assertTrue(operator.console().contains("\tat org.apache.spark"), "the operator's log4j2.properties sends "
                + "everything, traces included, to stderr (the pod log)");
        assertTrue(Files.notExists(operator.dir().resolve("vqgen.log")));
    }

    /** Exit 2; every console line is vqgen's, one of them the error; no trace. */
    private static void assertOneLine(Run run, String error) throws IOException {
        String console = run.console();
        assertEquals(2, run.code(), console);
        List<String> errors = console.lines().filter(l -> l.startsWith("vqgen ")).toList();
        assertEquals(1, errors.size(), console);
        assertTrue(errors.get(0).startsWith(error), errors.get(0));
        for (String line : console.lines().toList()) {
            assertTrue(line.startsWith("vqgen ") || VQGEN_LINE.matcher(line).matches(), "not vqgen's: " + line
                    + "\n--- console:\n" + console);
            assertTrue(!line.contains("\tat ") && !line.startsWith("Caused by"), console);
        }
        assertEquals("", Files.readString(run.dir().resolve("stdout.txt")));
    }
}
