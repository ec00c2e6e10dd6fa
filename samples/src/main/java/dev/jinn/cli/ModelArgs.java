package dev.jinn.cli;

import dev.jinn.Model;
import dev.jinn.ModelFileException;
import dev.jinn.ModelOptions;
import java.nio.file.Files;
import java.nio.file.Path;
import picocli.CommandLine.Option;

/** Load-time options shared by {@code generate} and {@code chat}. */
final class ModelArgs {
    @Option(names = {"-m", "--model"}, paramLabel = "FILE",
            description = "A .gguf model file (default: the bundled demo model models/stories260K.gguf).")
    Path model;

    @Option(names = "--threads", paramLabel = "N", description = "Compute threads (default: all cores).")
    int threads;

    @Option(names = "--ctx", paramLabel = "N",
            description = "Context length in tokens (default: the model's, at most 4096).")
    int contextLength;

    @Option(names = "--backend", paramLabel = "NAME", description = "cpu, gpu or auto (default: auto).")
    String backend = "auto";

    /** --no-mmap's help, shared by every command that loads a model (bench and logits declare their own option). */
    static final String NO_MMAP_HELP = "Read the weights into memory instead of mapping the file (a slower load).";

    @Option(names = "--no-mmap", description = NO_MMAP_HELP)
    boolean noMmap;

    /** The model file to use: --model, else the demo model under jinn.home. */
    Path modelPath() {
        if (model != null) {
            return model;
        }
        String home = System.getProperty("jinn.home", ".");
        Path demo = Path.of(home, "models", "stories260K.gguf");
        if (!Files.exists(demo)) {
            throw new ModelFileException(demo, "the bundled demo model is missing; pass --model FILE (a .gguf file)");
        }
        return demo;
    }

    Model load() {
        return Model.load(modelPath(), ModelOptions.builder().backend(backend).threads(threads)
                .contextLength(contextLength).mapWeights(!noMmap).build());
    }
}
