package io.vqgen.cli;

import io.vqgen.pipeline.GenerationSetting;
import io.vqgen.pipeline.SamplingOptions;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;

/**
 * Command-line options made from {@link GenerationSetting}: one option per setting, with the table's flag, default
 * and help, so that the flags of {@code generate} and {@code bench} never drift from the job keys and columns.
 * Values are parsed and range-checked by the table when the command runs.
 */
final class SamplingArguments {
    private final CommandSpec spec;

    private SamplingArguments(CommandSpec spec) {
        this.spec = spec;
    }

    /** Adds the sampling settings' options, and the given others (e.g. seed), to a command. */
    static SamplingArguments addTo(CommandSpec spec, GenerationSetting... others) {
        for (GenerationSetting s : GenerationSetting.sampling()) {
            add(spec, s);
        }
        for (GenerationSetting s : others) {
            add(spec, s);
        }
        return new SamplingArguments(spec);
    }

    private static void add(CommandSpec spec, GenerationSetting s) {
        spec.addOption(OptionSpec.builder(s.flag())
                .paramLabel(s.type() == GenerationSetting.Type.CHOICE ? "MODE"
                        : s.type() == GenerationSetting.Type.DOUBLE ? "F" : "N")
                .type(String.class)
                .defaultValue(s.defaultText())
                .description(s.help() + " (default: ${DEFAULT-VALUE}).")
                .build());
    }

    /**
     * The sampling options the command line chose.
     *
     * @throws io.vqgen.pipeline.PipelineException naming the flag when a value is malformed or out of range
     */
    SamplingOptions options() {
        SamplingOptions o = SamplingOptions.defaults();
        for (GenerationSetting s : GenerationSetting.sampling()) {
            o = o.with(s, value(s));
        }
        return o;
    }

    /** One setting's value (Integer, Long, Double or NoiseMode), checked against its range. */
    Object value(GenerationSetting s) {
        return s.parse(spec.findOption(s.flag()).getValue(), s.flag());
    }
}
