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
 * Decode throughput of each codec's scalar reference decoder ({@link QuantCodec#decode}) over 4 MiB of float32
 * output (1 Mi values) from blocks in a native segment, as a mapped weight file would hold them.
 *
 * <p>Read the {@code outputBytes} and {@code inputBytes} secondary results: bytes of float32 written and of encoded
 * blocks read per second (divide by 1e9 for GB/s). Run:
 * {@code java --add-modules jdk.incubator.vector -jar benchmarks/target/benchmarks.jar CodecDecode -f 1 -wi 2 -i 3 -w 1s -r 1s}
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED"})
public class CodecDecodeBenchmark {
    /** Values decoded per call: 4 MiB of float32 output. */
    static final int N = 1 << 20;

    @Param({"F32", "F16", "BF16", "Q8_0", "Q4_0", "Q4_K", "Q5_K", "Q6_K"})
    public String type;

    private Arena arena;
    private QuantCodec codec;
    private MemorySegment blocks;
    private float[] out;

    /** Bytes moved per second, reported by JMH as secondary results. */
    @State(Scope.Thread)
    @AuxCounters(AuxCounters.Type.OPERATIONS)
    public static class Bytes {
        public long outputBytes;
        public long inputBytes;
    }

    @Setup(Level.Trial)
    public void setUp() {
        codec = QuantCodecs.require(GgmlType.byName(type).orElseThrow());
        float[] x = new float[N];
        SplittableRandom r = new SplittableRandom(42);
        for (int i = 0; i < N; i++) {
            x[i] = (float) ((r.nextDouble() - 0.5) * 0.1 + (r.nextDouble() - 0.5) * 0.05);
        }
        arena = Arena.ofShared();
        blocks = arena.allocate(codec.byteSize(N), 64);
        codec.encode(x, 0, blocks, 0, N);
        out = new float[N];
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        arena.close();
    }

    @Benchmark
    public float[] decode(Bytes bytes) {
        codec.decode(blocks, 0, out, 0, N);
        bytes.outputBytes += 4L * N;
        bytes.inputBytes += blocks.byteSize();
        return out;
    }
}
