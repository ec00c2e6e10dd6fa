package dev.jinn.benchmarks;

import dev.jinn.quant.GgmlType;
import dev.jinn.quant.QuantCodecs;
import dev.jinn.spi.QuantCodec;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.AuxCounters;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Encode throughput of each codec's reference quantizer ({@link QuantCodec#encode}) over 1 Mi float32 values on
 * one thread: what {@code Quantizer.convert} costs per value. Read the {@code inputValues} secondary result (float32
 * values quantized per second). Run:
 * {@code java --add-modules jdk.incubator.vector -jar benchmarks/target/benchmarks.jar CodecEncode -f 1 -wi 2 -i 3 -w 1s -r 1s}
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED"})
public class CodecEncodeBenchmark {
    static final int N = 1 << 20;

    @Param({"F16", "BF16", "Q8_0", "Q4_0", "Q4_K", "Q5_K", "Q6_K"})
    public String type;

    private Arena arena;
    private QuantCodec codec;
    private MemorySegment blocks;
    private float[] in;

    /** Values quantized per second, reported by JMH as a secondary result. */
    @State(Scope.Thread)
    @AuxCounters(AuxCounters.Type.OPERATIONS)
    public static class Values {
        public long inputValues;
    }

    @Setup(Level.Trial)
    public void setUp() {
        codec = QuantCodecs.require(GgmlType.byName(type).orElseThrow());
        in = new float[N];
        SplittableRandom r = new SplittableRandom(42);
        for (int i = 0; i < N; i++) {
            in[i] = (float) ((r.nextDouble() - 0.5) * 0.1 + (r.nextDouble() - 0.5) * 0.05);
        }
        arena = Arena.ofShared();
        blocks = arena.allocate(codec.byteSize(N), 64);
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        arena.close();
    }

    @Benchmark
    public MemorySegment encode(Values values) {
        codec.encode(in, 0, blocks, 0, N);
        values.inputValues += N;
        return blocks;
    }
}
