package dev.jinn.cli;

import dev.jinn.KvCacheType;
import dev.jinn.engine.LoadOptions;
import dev.jinn.engine.LoadedModel;
import dev.jinn.engine.ModelLoader;
import dev.jinn.engine.SequenceState;
import dev.jinn.engine.Transformer;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code jinn logits --model FILE --tokens 1,2,3 --out OUT.f32}: runs the prompt in one batch and writes the raw
 * little-endian float32 logits of every position (positions × vocabulary), like llama.cpp's reference dumps.
 */
@Command(name = "logits", mixinStandardHelpOptions = true,
        description = "Write the float32 logits of every prompt position (prompt run as one batch).")
final class LogitsCommand implements Callable<Integer> {
    @Option(names = "--model", required = true, paramLabel = "FILE", description = "GGUF model file.")
    Path model;

    @Option(names = "--tokens", required = true, split = ",", paramLabel = "IDS",
            description = "Comma-separated token ids.")
    int[] tokens;

    @Option(names = "--out", required = true, paramLabel = "OUT.f32", description = "Output file (raw float32 LE).")
    Path out;

    @Option(names = "--threads", defaultValue = "0", description = "Worker threads (0 = all cores).")
    int threads;

    @Option(names = "--backend", description = "Backend name (default: best available).")
    String backend;

    @Option(names = "--kv-cache", defaultValue = "F16", description = "KV cache type: ${COMPLETION-CANDIDATES}.")
    KvCacheType kvCache;

    @Option(names = "--no-mmap", description = ModelArgs.NO_MMAP_HELP)
    boolean noMmap;

    @Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws IOException {
        LoadOptions opts = new LoadOptions(backend, threads, 0, kvCache, !noMmap);
        try (LoadedModel m = ModelLoader.load(model, opts)) {
            Transformer t = m.transformer();
            float[] logits;
            try (SequenceState s = t.newSequence(tokens.length)) {
                logits = t.forward(s, tokens, true);
            }
            ByteBuffer buf = ByteBuffer.allocate(logits.length * 4).order(ByteOrder.LITTLE_ENDIAN);
            buf.asFloatBuffer().put(logits);
            try (OutputStream os = Files.newOutputStream(out)) {
                os.write(buf.array());
            }
            spec.commandLine().getOut().printf("%s: %d positions x %d logits -> %s (%s backend)%n",
                    model.getFileName(), tokens.length, m.config().vocabSize(), out, m.backendName());
            return 0;
        }
    }

    @Override
    public String toString() {
        return "logits " + Arrays.toString(tokens);
    }
}
