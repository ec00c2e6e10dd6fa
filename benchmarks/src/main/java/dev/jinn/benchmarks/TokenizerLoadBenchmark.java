package dev.jinn.benchmarks;

import dev.jinn.quant.gguf.GgufFile;
import dev.jinn.quant.gguf.GgufMetadata;
import dev.jinn.quant.gguf.GgufWriter;
import dev.jinn.quant.json.Json;
import dev.jinn.tokenizer.Tokenizer;
import dev.jinn.tokenizer.Tokenizers;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

/**
 * Time to build the 151,665-token DeepSeek-R1-Distill-Qwen tokenizer: from GGUF metadata (a vocab-only GGUF written
 * in setup, parsed once; this measures the tokenizer's own work, as a model load does after reading the header) and
 * from tokenizer.json (JSON parsing included).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED"})
public class TokenizerLoadBenchmark {
    private Path json;
    private Path gguf;
    private GgufMetadata metadata;

    @Setup(Level.Trial)
    public void setUp() throws IOException {
        Path dir = Path.of(System.getProperty("jinn.shared.data", "../shared/data"), "tokenizer", "deepseek-r1-distill-qwen");
        json = dir.resolve("tokenizer.json");
        gguf = Files.createTempFile("jinn-vocab", ".gguf");
        @SuppressWarnings("unchecked")
        Map<String, Object> model = (Map<String, Object>) Json.parseObject(Files.readString(json, StandardCharsets.UTF_8)).get("model");
        @SuppressWarnings("unchecked")
        Map<String, Object> vocab = (Map<String, Object>) model.get("vocab");
        List<String> tokens = new ArrayList<>(Arrays.asList(new String[vocab.size()]));
        vocab.forEach((k, v) -> tokens.set((int) (long) (Long) v, k));
        int[] types = new int[vocab.size() + 22];
        Arrays.fill(types, 1);
        for (String line : Files.readAllLines(dir.resolve("added_tokens.tsv"), StandardCharsets.UTF_8).subList(1, 23)) {
            String[] f = line.split("\t");
            tokens.add(f[1]);
            types[Integer.parseInt(f[0])] = Boolean.parseBoolean(f[2]) ? 3 : 4;
        }
        List<String> merges = new ArrayList<>();
        for (Object m : (List<?>) model.get("merges")) {
            merges.add((String) m);
        }
        try (GgufWriter w = GgufWriter.create(gguf)) {
            w.putString("tokenizer.ggml.model", "gpt2");
            w.putString("tokenizer.ggml.pre", "deepseek-r1-qwen");
            w.putStringArray("tokenizer.ggml.tokens", tokens);
            w.putInt32Array("tokenizer.ggml.token_type", types);
            w.putStringArray("tokenizer.ggml.merges", merges);
            w.putUInt32("tokenizer.ggml.bos_token_id", 151646);
            w.putUInt32("tokenizer.ggml.eos_token_id", 151643);
            w.putBool("tokenizer.ggml.add_bos_token", true);
        }
        try (GgufFile f = GgufFile.open(gguf)) {
            metadata = f.metadata();
        }
    }

    @TearDown(Level.Trial)
    public void tearDown() throws IOException {
        Files.deleteIfExists(gguf);
    }

    @Benchmark
    public Tokenizer fromGgufMetadata() {
        return Tokenizers.fromGguf(metadata);
    }

    @Benchmark
    public Tokenizer fromGgufFile() {
        try (GgufFile f = GgufFile.open(gguf)) {
            return Tokenizers.fromGguf(f.metadata());
        }
    }

    @Benchmark
    public Tokenizer fromTokenizerJson() {
        return Tokenizers.fromTokenizerJson(json);
    }
}
