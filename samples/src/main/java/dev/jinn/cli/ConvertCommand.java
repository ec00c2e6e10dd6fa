package dev.jinn.cli;

import dev.jinn.quant.Quantization;
import dev.jinn.quant.convert.Llama2cConverter;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code jinn convert SRC DST}: Hugging Face folders and llama2.c checkpoints to GGUF. */
@Command(name = "convert", mixinStandardHelpOptions = true,
        description = "Convert a Hugging Face model folder (config.json, *.safetensors, tokenizer.json) or a llama2.c"
                + " checkpoint to GGUF, quantizing on the way.",
        footer = {"", "Examples:", "  jinn convert ~/hf/DeepSeek-R1-Distill-Qwen-14B r1-14b-q4_k_m.gguf --quant Q4_K_M",
                "  jinn convert stories260K.bin stories260K.gguf --tokenizer tok512.bin --quant F32"})
final class ConvertCommand implements Callable<Integer> {
    @Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Parameters(index = "0", paramLabel = "SRC", description = "A Hugging Face model folder or a llama2.c .bin checkpoint.")
    Path src;

    @Parameters(index = "1", paramLabel = "DST", description = "The GGUF file to write.")
    Path dst;

    @Option(names = "--quant", defaultValue = "Q4_K_M",
            description = "Q4_K_M, Q5_K_M, Q8_0, Q6_K, Q4_0, BF16, F16, F32 (default: ${DEFAULT-VALUE}).")
    String quant;

    @Option(names = "--tokenizer", description = "llama2.c only: the tokenizer.bin that goes with the checkpoint.")
    Path tokenizer;

    @Option(names = "--license", description = "general.license to write (for example MIT).")
    String license;

    @Option(names = "--name", description = "general.name to write (default: the source's file name).")
    String name;

    @Override
    public Integer call() {
        PrintWriter err = spec.commandLine().getErr();
        Quantization q = Quantization.byName(quant).orElseThrow(() -> new IllegalArgumentException(
                "unknown quantization '" + quant + "'; choose one of " + java.util.Arrays.toString(Quantization.values())));
        if (!Files.exists(src)) {
            throw new dev.jinn.ModelFileException(src, "no such file or folder");
        }
        String n = name != null ? name : src.getFileName().toString().replaceFirst("\\.bin$", "");
        long t0 = System.nanoTime();
        ProgressBar bar = new ProgressBar(err, "convert " + q);
        if (Files.isDirectory(src)) {
            dev.jinn.quant.convert.HfConverter.convert(src, dst, q, n, bar);
        } else {
            if (tokenizer == null) {
                throw new IllegalArgumentException("a llama2.c checkpoint needs --tokenizer tokenizer.bin");
            }
            Llama2cConverter.convert(src, tokenizer, dst, q, n, license, bar);
        }
        spec.commandLine().getOut().printf(Locale.ROOT, "wrote %s (%s, %s) in %.1f s%n", dst, q, Bytes.format(dst.toFile().length()),
                (System.nanoTime() - t0) / 1e9);
        return 0;
    }
}
