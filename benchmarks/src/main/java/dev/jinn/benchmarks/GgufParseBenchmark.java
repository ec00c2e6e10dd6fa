package dev.jinn.benchmarks;

import dev.jinn.quant.gguf.GgufFile;
import dev.jinn.quant.gguf.GgufMetadata;
import dev.jinn.quant.gguf.GgufWriter;
import dev.jinn.quant.json.Json;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Time to open (map + parse + validate) a GGUF whose metadata holds the real DeepSeek-R1-Distill-Qwen tokenizer:
 * 152,064 tokens (151,643 BPE + 22 added + padding), their int32 types and 151,387 merges, as a 14B GGUF carries
 * them. Target: well under 150 ms. Reads vocab.json/merges.txt from {@code -Djinn.shared.data} (default
 * {@code ../shared/data}). Run:
 * {@code java --add-modules jdk.incubator.vector -jar benchmarks/target/benchmarks.jar GgufParse -f 1 -wi 3 -i 5 -w 1s -r 1s}
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED"})
public class GgufParseBenchmark {
    private Path file;

    @Setup(Level.Trial)
    public void setUp() throws IOException {
        Path dir = Path.of(System.getProperty("jinn.shared.data", "../shared/data"))
                .resolve("tokenizer/deepseek-r1-distill-qwen");
        Map<String, Object> vocab = Json.parseObject(Files.readString(dir.resolve("vocab.json")));
        String[] tokens = new String[152_064];
        vocab.forEach((tok, id) -> tokens[(int) (long) (Long) id] = tok);
        for (String line : Files.readAllLines(dir.resolve("added_tokens.tsv")).subList(1, 23)) {
            String[] cols = line.split("\t");
            tokens[Integer.parseInt(cols[0])] = cols[1];
        }
        int[] types = new int[tokens.length];
        for (int i = 0; i < tokens.length; i++) {
            types[i] = i < 151_643 ? 1 : 3;
            if (tokens[i] == null) {
                tokens[i] = "[PAD" + i + "]";
                types[i] = 5;
            }
        }
        List<String> merges = new ArrayList<>();
        for (String line : Files.readAllLines(dir.resolve("merges.txt"))) {
            if (!line.startsWith("#version") && !line.isEmpty()) {
                merges.add(line);
            }
        }
        file = Files.createTempFile("jinn-vocab", ".gguf");
        try (GgufWriter w = GgufWriter.create(file)) {
            w.putString("general.architecture", "qwen2");
            w.putString("tokenizer.ggml.model", "gpt2");
            w.putString("tokenizer.ggml.pre", "deepseek-r1-qwen");
            w.putStringArray("tokenizer.ggml.tokens", List.of(tokens));
            w.putInt32Array("tokenizer.ggml.token_type", types);
            w.putStringArray("tokenizer.ggml.merges", merges);
            w.putString("tokenizer.chat_template", Files.readString(dir.resolve("chat_template.jinja")));
        }
    }

    @TearDown(Level.Trial)
    public void tearDown() throws IOException {
        Files.deleteIfExists(file);
    }

    /** Open, parse, read the three vocabulary arrays as a tokenizer loader would, close. */
    @Benchmark
    public int openAndReadVocabulary() {
        try (GgufFile g = GgufFile.open(file)) {
            GgufMetadata m = g.metadata();
            return m.getStringList("tokenizer.ggml.tokens").size() + m.getIntArray("tokenizer.ggml.token_type").length
                    + m.getStringList("tokenizer.ggml.merges").size();
        }
    }
}
