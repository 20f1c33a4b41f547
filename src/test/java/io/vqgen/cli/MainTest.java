package io.vqgen.cli;

import io.vqgen.text.TextException;
import io.vqgen.weights.WeightsException;
import org.junit.jupiter.api.Test;

import java.io.PrintWriter;
import java.io.StringWriter;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class MainTest {
    @Test
    void userFacingExceptionsAreBadInputOthersAreFailures() {
        assertTrue(Main.isBadInput(new UserError("x")));
        assertTrue(Main.isBadInput(new TextException("x")));
        assertTrue(Main.isBadInput(new WeightsException("x")));
        assertTrue(Main.isBadInput(new io.vqgen.job.JobException("x")));
        assertTrue(Main.isBadInput(new io.vqgen.pipeline.PipelineException("x")));
        assertFalse(Main.isBadInput(new IllegalArgumentException("x")), "a bug, not a user's mistake");
        assertFalse(Main.isBadInput(new IllegalStateException("x")));
        assertFalse(Main.isBadInput(new NullPointerException()));
    }

    @Test
    void noArgumentsListsTheCommands() {
        StringWriter out = new StringWriter();
        assertEquals(0, Main.run(new PrintWriter(out), new PrintWriter(new StringWriter())));
        assertTrue(out.toString().contains("tokenize"), out.toString());
    }

    @Test
    void unknownCommandIsOneLineAndExitCode2() {
        StringWriter err = new StringWriter();
        assertEquals(2, Main.run(new PrintWriter(new StringWriter()), new PrintWriter(err), "paint"));
        assertTrue(err.toString().startsWith("vqgen: Unmatched argument at index 0: 'paint'"), err.toString());
        assertEquals(1, err.toString().strip().split("\n").length, err.toString());
    }
}
