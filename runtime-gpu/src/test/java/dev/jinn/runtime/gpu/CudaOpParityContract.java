package dev.jinn.runtime.gpu;

import static org.assertj.core.api.Assertions.assertThat;

import dev.jinn.KvCacheType;
import dev.jinn.quant.GgmlType;
import dev.jinn.runtime.cpu.CpuBackend;
import dev.jinn.spi.Backend;
import dev.jinn.spi.KvCache;
import dev.jinn.spi.Tensor;
import dev.jinn.spi.WeightTensor;
import dev.jinn.testing.RandomBlocks;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.SplittableRandom;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

/**
 * Every op of the CUDA backend against the CPU backend on seeded random data: same inputs (loaded through
 * {@code embed} of an F32 table, the only way the SPI writes activations), outputs compared by relative RMS error.
 * Run by a fake-driver suite in CI and a real-GPU suite under the {@code gpu} tag.
 *
 * <p>Bounds: the CPU prepares activations as llama.cpp does (int8 blocks for the quantized types, f16 for F16). The
 * GPU does the same for Q8_0 and Q4_0 (integer dot products, prefill included, so float rounding apart from the
 * CPU), rounds activations to f16 for the other cuBLAS prefills, and
 * keeps float32 activations on the other mat-vecs (K-quants, where the CPU uses Q8_K blocks: a fraction of a
 * percent apart); everything else agrees to float rounding. A wrong layout, kernel or
 * position is off by the size of the values themselves (relative error near 1).
 */
abstract class CudaOpParityContract {
    static final GgmlType[] TYPES = {GgmlType.F32, GgmlType.F16, GgmlType.BF16, GgmlType.Q8_0, GgmlType.Q4_0,
            GgmlType.Q4_K, GgmlType.Q5_K, GgmlType.Q6_K};

    private final Arena arena = Arena.ofShared();
    private final SplittableRandom random = new SplittableRandom(7);
    Backend cpu;
    Backend gpu;

    /** The backend under test. */
    abstract Backend open();

    /** The backend it is compared with: the CPU backend, unless a suite compares with something else. */
    Backend reference() {
        return CpuBackend.create(1);
    }

    /** The relative error attention may have against the reference, by cache type. */
    double attentionBound(KvCacheType kvType) {
        return 1e-5;
    }

    /** Checks after the mat-mul test (which prefill path ran). */
    void afterMatmul(GgmlType type) {}

    /** Checks after each test (the fake driver: no misuse, nothing leaked once closed). */
    void verifyClosed() {}

    @BeforeEach
    void openBackends() {
        gpu = open(); // first: it may skip the test
        cpu = reference();
    }

    @AfterEach
    void closeBackends() {
        arena.close();
        if (cpu != null) {
            cpu.close();
        }
        if (gpu != null) {
            gpu.close();
            gpu.close(); // idempotent
            verifyClosed();
        }
    }

    /** The same weight on both backends. */
    record W(WeightTensor cpu, WeightTensor gpu) {}

    /** The same activations on both backends. */
    record T(Tensor cpu, Tensor gpu) {}

    W weight(GgmlType type, int rows, int cols, double std) {
        long bytes = type.rowBytes(cols) * rows;
        MemorySegment data = arena.allocate(bytes, 64);
        new RandomBlocks(type, std, random.split()).fill(data, 0, (long) rows * cols / type.blockElements());
        return new W(cpu.weight("w", type.id(), rows, cols, data), gpu.weight("w", type.id(), rows, cols, data));
    }

    /** A tensor of {@code rows} x {@code cols}, its first {@code fill} rows random normal values. */
    T tensor(int rows, int cols, int fill) {
        T t = new T(cpu.tensor(rows, cols), gpu.tensor(rows, cols));
        if (fill > 0) {
            W table = weight(GgmlType.F32, fill, cols, 1.0);
            int[] ids = new int[fill];
            for (int i = 0; i < fill; i++) {
                ids[i] = i;
            }
            cpu.embed(table.cpu, ids, 0, fill, t.cpu);
            gpu.embed(table.gpu, ids, 0, fill, t.gpu);
        }
        return t;
    }

    static float[] read(Backend b, Tensor t, int n) {
        float[] out = new float[n * t.cols()];
        for (int i = 0; i < n; i++) {
            b.read(t, i, out, i * t.cols());
        }
        return out;
    }

    /** RMS of (gpu − cpu) over RMS of cpu, over the first n rows. */
    double relError(T t, int n) {
        float[] a = read(cpu, t.cpu, n);
        float[] b = read(gpu, t.gpu, n);
        double d = 0;
        double s = 0;
        for (int i = 0; i < a.length; i++) {
            d += (a[i] - b[i]) * (double) (a[i] - b[i]);
            s += a[i] * (double) a[i];
        }
        assertThat(s).as("reference values are not all zero").isGreaterThan(0);
        return Math.sqrt(d / s);
    }

    static double matmulBound(GgmlType type, int n) {
        return switch (type) {
            case F32 -> n == 1 ? 1e-5 : 5e-3;
            case F16 -> 1e-3; // f16 activations on the CPU and under cuBLAS, float32 on the mat-vec: 2e-4
            case BF16 -> 5e-3; // bf16 activations on the CPU, f16 under cuBLAS, float32 on the mat-vec: 2e-3
            case Q8_0, Q4_0 -> 1e-5; // the same int8 blocks and integer sums: 1e-7
            default -> 1.5e-2; // K-quants: Q8_K blocks on the CPU, float32 activations here: 7e-3
        };
    }

    @ParameterizedTest
    @EnumSource(value = GgmlType.class, names = {"F32", "F16", "BF16", "Q8_0", "Q4_0", "Q4_K", "Q5_K", "Q6_K"})
    void matmulDecodeAndPrefill(GgmlType type) {
        int rows = 300; // several prefill tiles at the test tile size, the last one partial
        int cols = 512;
        W w = weight(type, rows, cols, 0.05);
        W bias = weight(GgmlType.F32, 1, rows, 0.5);
        for (int n : new int[] {1, 3, 9}) { // decode, a short batch (mat-vec), a prefill batch (cuBLAS)
            T x = tensor(9, cols, n);
            T out = tensor(9, rows, 0);
            cpu.matmul(w.cpu, x.cpu, n, null, out.cpu);
            gpu.matmul(w.gpu, x.gpu, n, null, out.gpu);
            double e = relError(out, n);
            System.out.printf("matmul %s n=%d: relative error %.2e%n", type, n, e);
            assertThat(e).as("matmul %s n=%d", type, n).isLessThanOrEqualTo(matmulBound(type, n));
            cpu.matmul(w.cpu, x.cpu, n, bias.cpu, out.cpu);
            gpu.matmul(w.gpu, x.gpu, n, bias.gpu, out.gpu);
            assertThat(relError(out, n)).as("matmul %s n=%d with bias", type, n)
                    .isLessThanOrEqualTo(matmulBound(type, n) + 1e-5);
        }
        afterMatmul(type);
    }

    @ParameterizedTest
    @EnumSource(value = GgmlType.class, names = {"F32", "F16", "BF16", "Q8_0", "Q4_0", "Q4_K", "Q5_K", "Q6_K"})
    void embedDecodesEveryType(GgmlType type) {
        W table = weight(type, 10, 256, 1.0);
        T out = tensor(4, 256, 0);
        int[] tokens = {9, 3, 1, 4, 1};
        cpu.embed(table.cpu, tokens, 1, 4, out.cpu);
        gpu.embed(table.gpu, tokens, 1, 4, out.gpu);
        assertThat(relError(out, 4)).isLessThanOrEqualTo(1e-7);
    }

    @ParameterizedTest
    @ValueSource(strings = {"F32", "F16"})
    void rmsNorm(String normType) {
        W w = weight(GgmlType.valueOf(normType), 1, 384, 1.0);
        T x = tensor(3, 384, 3);
        T out = tensor(3, 384, 0);
        cpu.rmsNorm(x.cpu, 3, w.cpu, 1e-5f, out.cpu);
        gpu.rmsNorm(x.gpu, 3, w.gpu, 1e-5f, out.gpu);
        assertThat(relError(out, 3)).isLessThanOrEqualTo(1e-6);
        cpu.rmsNorm(x.cpu, 2, w.cpu, 1e-5f, x.cpu); // in place
        gpu.rmsNorm(x.gpu, 2, w.gpu, 1e-5f, x.gpu);
        assertThat(relError(x, 3)).isLessThanOrEqualTo(1e-6);
    }

    @ParameterizedTest
    @ValueSource(booleans = {true, false})
    void rope(boolean neox) {
        T x = tensor(3, 4 * 64, 3);
        cpu.rope(x.cpu, 3, 4, 64, 37, 10000f, neox);
        gpu.rope(x.gpu, 3, 4, 64, 37, 10000f, neox);
        assertThat(relError(x, 3)).isLessThanOrEqualTo(1e-5);
    }

    @Test
    void swigluAddAndCopyRows() {
        T g = tensor(4, 200, 4);
        T u = tensor(4, 200, 4);
        T o = tensor(4, 200, 0);
        cpu.swiglu(g.cpu, u.cpu, 3, o.cpu);
        gpu.swiglu(g.gpu, u.gpu, 3, o.gpu);
        assertThat(relError(o, 3)).isLessThanOrEqualTo(1e-6);
        cpu.swiglu(g.cpu, u.cpu, 4, g.cpu);
        gpu.swiglu(g.gpu, u.gpu, 4, g.gpu);
        cpu.add(g.cpu, u.cpu, 4);
        gpu.add(g.gpu, u.gpu, 4);
        assertThat(relError(g, 4)).isLessThanOrEqualTo(1e-6);
        cpu.copyRows(g.cpu, 2, u.cpu, 0, 2);
        gpu.copyRows(g.gpu, 2, u.gpu, 0, 2);
        assertThat(relError(u, 4)).isLessThanOrEqualTo(1e-6);
    }

    /**
     * For an F16 cache both the CPU and jinn_attention_f16 compute as ggml's CPU flash attention (q rounded to f16,
     * scores in ggml's order, the value sum an f16 vector rounded after every position), so they agree but for the
     * rare f16 rounding an expf ulp moves; F32 caches (chunked flash-decoding) to float rounding.
     */
    @ParameterizedTest
    @EnumSource(value = KvCacheType.class, names = {"F16", "F32"})
    void attentionAcrossChunkBoundaries(KvCacheType kvType) {
        int heads = 4;
        int kvHeads = 2;
        int headDim = 64;
        int capacity = 600; // three 256-position chunks, the last partial
        KvCache cc = cpu.kvCache(2, kvHeads, headDim, capacity, kvType);
        KvCache gc = gpu.kvCache(2, kvHeads, headDim, capacity, kvType);
        int pos = 0;
        for (int n : new int[] {200, 60, 1, 1, 3}) { // prefill, a batch across 256, decode steps, a short batch
            for (int layer = 0; layer < 2; layer++) {
                T q = tensor(200, heads * headDim, n);
                T k = tensor(200, kvHeads * headDim, n);
                T v = tensor(200, kvHeads * headDim, n);
                T out = tensor(200, heads * headDim, 0);
                cpu.attention(cc, layer, q.cpu, k.cpu, v.cpu, n, pos, heads, kvHeads, headDim, out.cpu);
                gpu.attention(gc, layer, q.gpu, k.gpu, v.gpu, n, pos, heads, kvHeads, headDim, out.gpu);
                double e = relError(out, n);
                assertThat(e).as("attention of %d rows at %d, layer %d", n, pos, layer)
                        .isLessThanOrEqualTo(attentionBound(kvType));
            }
            pos += n;
        }
        // the stored keys and values are the same bytes (same f16 rounding), in the same export order
        assertThat(gc.export(pos)).isEqualTo(cc.export(pos));
        KvCache copy = gpu.kvCache(2, kvHeads, headDim, capacity, kvType);
        gc.copyTo(copy, pos);
        assertThat(copy.export(pos)).isEqualTo(cc.export(pos));
        KvCache imported = gpu.kvCache(2, kvHeads, headDim, capacity, kvType);
        imported.importFrom(cc.export(pos), pos);
        assertThat(imported.export(pos)).isEqualTo(cc.export(pos));
        assertThat(gc.bytesPerPosition()).isEqualTo(cc.bytesPerPosition());
        copy.close();
        imported.close();
        imported.close();
        cc.close();
        gc.close();
    }
}
