package dev.jinn.benchmarks;

import dev.jinn.quant.GgmlType;
import dev.jinn.runtime.cpu.CpuBackend;
import dev.jinn.spi.Tensor;
import dev.jinn.spi.WeightTensor;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

/**
 * The CPU backend's mat-vec (decode) and mat-mat (prefill) on one weight matrix of 14B shape with random blocks.
 * GB/s of weights streamed = bytes / (ms per op) / 1e6; compare with the machine's 46 GB/s.
 *
 * <pre>java --add-modules jdk.incubator.vector --enable-native-access=ALL-UNNAMED -jar benchmarks/target/benchmarks.jar
 *   MatVec -f 1 -wi 2 -i 3 -w 1s -r 1s -p type=Q4_K</pre>
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED"})
public class MatVecBenchmark {
    @Param({"Q4_K", "Q6_K", "Q8_0"})
    public String type;

    /** Output rows (5120 for attn_output/ffn_down of 14B, 13824 for ffn_gate/up). */
    @Param({"13824"})
    public int rows;

    /** Input columns. */
    @Param({"5120"})
    public int cols;

    @Param({"2"})
    public int threads;

    /**
     * Runs the prefill path a few times before measuring, as a chat does: a decode kernel that slows down after it
     * (JIT profile pollution between the two paths, seen once as a 2x loss) shows up as matVec with true vs false.
     */
    @Param({"false"})
    public boolean afterPrefill;

    private Arena arena;
    private CpuBackend backend;
    private WeightTensor weight;
    private Tensor x1;
    private Tensor xBatch;
    private Tensor out1;
    private Tensor outBatch;

    static final int BATCH = 64;

    @Setup(Level.Trial)
    public void setup() {
        GgmlType t = GgmlType.valueOf(type);
        long bytes = t.rowBytes(cols) * rows;
        arena = Arena.ofShared();
        MemorySegment seg = arena.allocate(bytes, 64);
        SplittableRandom r = new SplittableRandom(1);
        for (long i = 0; i + 8 <= bytes; i += 8) {
            seg.set(ValueLayout.JAVA_LONG_UNALIGNED, i, r.nextLong());
        }
        ValueLayout.OfShort sh = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
        for (long b = 0; b < bytes / t.blockBytes(); b++) {
            long o = b * t.blockBytes();
            short d = Float.floatToFloat16(0.001f + r.nextFloat() * 0.01f);
            switch (t) {
                case Q4_K, Q5_K -> {
                    seg.set(sh, o, d);
                    seg.set(sh, o + 2, d);
                }
                case Q6_K -> seg.set(sh, o + 208, d);
                case Q8_0, Q4_0 -> seg.set(sh, o, d);
                default -> { }
            }
        }
        backend = CpuBackend.create(threads);
        weight = backend.weight("w", t.id(), rows, cols, seg);
        x1 = backend.tensor(1, cols);
        xBatch = backend.tensor(BATCH, cols);
        out1 = backend.tensor(1, rows);
        outBatch = backend.tensor(BATCH, rows);
        float[] v = new float[cols];
        for (int i = 0; i < cols; i++) {
            v[i] = (float) r.nextGaussian();
        }
        // fill the inputs through the public ops: embed would need a table, so use rows of a small F32 weight
        MemorySegment xs = arena.allocate(4L * cols * BATCH, 64);
        for (int i = 0; i < cols * BATCH; i++) {
            xs.set(ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN), 4L * i, v[i % cols]);
        }
        WeightTensor table = backend.weight("x", GgmlType.F32.id(), BATCH, cols, xs);
        int[] ids = new int[BATCH];
        for (int i = 0; i < BATCH; i++) {
            ids[i] = i;
        }
        backend.embed(table, ids, 0, 1, x1);
        backend.embed(table, ids, 0, BATCH, xBatch);
        if (afterPrefill) {
            for (int i = 0; i < 5; i++) {
                matMat64();
            }
        }
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        backend.close();
        arena.close();
    }

    /** Decode: one token, every weight byte read once. */
    @Benchmark
    public void matVec() {
        backend.matmul(weight, x1, 1, null, out1);
        backend.endStep(); // the CPU backend queues mat-muls until another op: run it inside the measurement
    }

    /** Prefill: 64 tokens per weight pass (divide the time by 64 for per-token cost). */
    @Benchmark
    public void matMat64() {
        backend.matmul(weight, xBatch, BATCH, null, outBatch);
        backend.endStep();
    }
}
