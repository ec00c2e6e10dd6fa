package dev.jinn.cli;

import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/** {@code jinn inspect FILE}: header, metadata and tensor table of a GGUF or safetensors file. */
@Command(name = "inspect", mixinStandardHelpOptions = true,
        description = "Print the header, metadata and tensors of a GGUF file or safetensors model.")
final class InspectCommand implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "FILE", description = "A .gguf file, a .safetensors file or a model folder.")
    Path file;

    @Override
    public Integer call() {
        throw new UnsupportedOperationException("inspect: not built yet");
    }
}
