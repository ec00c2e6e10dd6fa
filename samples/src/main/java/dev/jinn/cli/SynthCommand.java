package dev.jinn.cli;

import dev.jinn.quant.Quantization;
import dev.jinn.testing.SyntheticModelWriter;
import dev.jinn.testing.SyntheticShape;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code jinn synth}: a GGUF model with seeded random weights at a preset shape, for benchmarks and tests. */
@Command(name = "synth", mixinStandardHelpOptions = true,
        description = "Write a synthetic model (seeded random weights, real R1 tokenizer) for benchmarks and tests.",
        footer = {"", "Examples:", "  jinn synth --shape 14b --quant Q4_K_M /data/synth-14b-q4_k_m.gguf",
                "  jinn synth --shape 1.5b --quant Q8_0 --seed 7 synth-1.5b-q8_0.gguf"})
final class SynthCommand implements Callable<Integer> {
    @Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Option(names = "--shape", required = true, description = "Preset: golden, 1.5b, 7b, 14b, llama-tiny.")
    String shape;

    @Option(names = "--quant", defaultValue = "Q4_K_M", description = "Q4_K_M, Q5_K_M, Q8_0, Q6_K, Q4_0, BF16, F16, F32 (default: ${DEFAULT-VALUE}).")
    String quant;

    @Option(names = "--seed", defaultValue = "42", description = "Random seed (default: ${DEFAULT-VALUE}).")
    long seed;

    @Parameters(index = "0", paramLabel = "OUT", description = "The GGUF file to write.")
    Path out;

    @Override
    public Integer call() {
        PrintWriter err = spec.commandLine().getErr();
        SyntheticShape s = SyntheticShape.preset(shape).orElseThrow(() -> new IllegalArgumentException(
                "unknown shape '" + shape + "'; presets: " + SyntheticShape.PRESETS.stream().map(SyntheticShape::name)
                        .collect(Collectors.joining(", "))));
        Quantization q = Quantization.byName(quant).orElseThrow(() -> new IllegalArgumentException(
                "unknown quantization '" + quant + "'; choose one of " + java.util.Arrays.toString(Quantization.values())));
        long t0 = System.nanoTime();
        SyntheticModelWriter.write(out, s, q, seed, new ProgressBar(err, "synth " + s.name() + " " + q));
        double secs = (System.nanoTime() - t0) / 1e9;
        long size = out.toFile().length();
        spec.commandLine().getOut().printf(Locale.ROOT, "wrote %s: %s shape, %s, %s in %.1f s (%.0f MB/s)%n", out, s.name(), q,
                Bytes.format(size), secs, size / 1e6 / secs);
        return 0;
    }
}
