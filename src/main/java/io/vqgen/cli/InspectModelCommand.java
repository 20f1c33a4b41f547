package io.vqgen.cli;

import io.vqgen.weights.ModelFolder;
import io.vqgen.weights.ModelInspector;
import io.vqgen.weights.ModelReport;
import io.vqgen.weights.StorageType;
import io.vqgen.weights.WeightsException;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;

/** {@code vqgen inspect-model DIR}: what a model folder holds and whether it is usable, from headers only. */
@Command(name = "inspect-model", mixinStandardHelpOptions = true,
        description = {"Check a VQ-Diffusion model folder (diffusers layout) without loading its weights.",
                "Lists each component's class, key sizes from its config, weight files, tensor and parameter counts "
                        + "and dtypes, and reports anything missing or inconsistent.",
                "Exit status: 0 when the folder is usable, 2 when it is broken."})
public final class InspectModelCommand implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "DIR", description = "Model folder (the one holding model_index.json).")
    private Path dir;

    @Option(names = "--variant", paramLabel = "NAME",
            description = "Weight variant to inspect, e.g. fp16 (reads diffusion_pytorch_model.fp16.safetensors).")
    private String variant;

    @Option(names = "--json", description = "Print the report as one JSON document instead of text.")
    private boolean json;

    @Spec
    private CommandSpec spec;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        ModelReport report;
        try {
            report = ModelInspector.inspect(ModelFolder.open(dir), variant);
        } catch (WeightsException e) {
            err.println("error: " + e.getMessage());
            return 2;
        }
        if (json) {
            JsonOutput.print(out, toJson(report));
        } else {
            print(report, out);
        }
        out.flush();
        if (!report.ok()) {
            int n = report.problems().size();
            err.println("error: " + report.dir() + " is not a usable model: " + report.problems().get(0)
                    + (n > 1 ? " (and " + (n - 1) + " more problem(s), listed above)" : ""));
            return 2;
        }
        return 0;
    }

    private static Map<String, Object> toJson(ModelReport report) {
        Map<String, Object> doc = new LinkedHashMap<>();
        doc.put("dir", report.dir().toString());
        doc.put("pipeline_class", report.pipelineClass());
        doc.put("ok", report.ok());
        List<Map<String, Object>> components = new ArrayList<>();
        for (ModelReport.Component c : report.components()) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("name", c.name());
            m.put("library", c.library());
            m.put("class", c.className());
            m.put("present", c.present());
            m.put("dimensions", c.dimensions());
            if (c.weights() != null) {
                ModelReport.Weights w = c.weights();
                Map<String, Object> wm = new LinkedHashMap<>();
                wm.put("index", w.files().sharded() ? w.files().index().toString() : null);
                wm.put("files", w.files().files().stream().map(Path::toString).toList());
                wm.put("bytes", w.files().bytes());
                wm.put("tensors", w.tensors());
                wm.put("parameters", w.parameters());
                wm.put("expected_parameters", w.expectedParameters() >= 0 ? w.expectedParameters() : null);
                wm.put("buffer_elements", w.bufferElements());
                Map<String, Integer> dtypes = new LinkedHashMap<>();
                w.dtypes().forEach((type, n) -> dtypes.put(type.toString(), n));
                wm.put("dtypes", dtypes);
                m.put("weights", wm);
            } else {
                m.put("weights", null);
            }
            components.add(m);
        }
        doc.put("components", components);
        doc.put("notes", report.notes());
        doc.put("problems", report.problems());
        return doc;
    }

    private static void print(ModelReport report, PrintWriter out) {
        out.println(report.dir() + ": " + report.pipelineClass());
        for (ModelReport.Component c : report.components()) {
            out.println(c.name() + " (" + c.library() + " " + c.className() + ")" + (c.present() ? "" : ": absent"));
            if (!c.dimensions().isEmpty()) {
                out.println("  " + c.dimensions().entrySet().stream().map(e -> e.getKey() + " " + e.getValue())
                        .collect(Collectors.joining(", ")));
            }
            if (c.weights() != null) {
                out.println("  weights: " + weights(c.weights()));
            }
        }
        section(out, "notes", report.notes());
        section(out, "problems", report.problems());
        out.println(report.ok() ? "OK" : "BROKEN");
    }

    private static String weights(ModelReport.Weights w) {
        StringBuilder sb = new StringBuilder();
        if (w.files().sharded()) {
            sb.append(w.files().index().getFileName()).append(" → ").append(w.files().files().size()).append(" shard(s)");
        } else {
            sb.append(w.files().files().get(0).getFileName());
        }
        sb.append(" (").append(bytes(w.files().bytes())).append("), ").append(w.tensors()).append(" tensors, ")
                .append(String.format("%,d", w.parameters())).append(" parameters");
        if (w.expectedParameters() >= 0) {
            sb.append(w.expectedParameters() == w.parameters() ? " (as the config implies)"
                    : String.format(" (config implies %,d)", w.expectedParameters()));
        }
        if (w.bufferElements() > 0) {
            sb.append(String.format(" + %,d integer buffer elements", w.bufferElements()));
        }
        sb.append(", ");
        sb.append(w.dtypes().entrySet().stream().map(InspectModelCommand::dtype).collect(Collectors.joining(" ")));
        return sb.toString();
    }

    private static String dtype(Map.Entry<StorageType, Integer> e) {
        return e.getKey() + "×" + e.getValue();
    }

    private static String bytes(long n) {
        if (n < 1024) {
            return n + " B";
        }
        String[] units = {"KiB", "MiB", "GiB", "TiB"};
        double v = n;
        int u = -1;
        while (v >= 1024 && u < units.length - 1) {
            v /= 1024;
            u++;
        }
        return String.format("%.1f %s", v, units[u]);
    }

    private static void section(PrintWriter out, String title, List<String> lines) {
        if (!lines.isEmpty()) {
            out.println(title + ":");
            lines.forEach(l -> out.println("  - " + l));
        }
    }
}
