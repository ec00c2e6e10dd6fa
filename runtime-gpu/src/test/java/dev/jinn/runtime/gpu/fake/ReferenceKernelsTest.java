package dev.jinn.runtime.gpu.fake;

import static dev.jinn.runtime.gpu.fake.HostBuffers.F32;
import static dev.jinn.runtime.gpu.fake.HostBuffers.I32;
import static dev.jinn.runtime.gpu.fake.HostBuffers.encode;
import static dev.jinn.runtime.gpu.fake.HostBuffers.floats;
import static dev.jinn.runtime.gpu.fake.HostBuffers.ints;
import static dev.jinn.runtime.gpu.fake.HostBuffers.randoms;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import dev.jinn.KvCacheType;
import dev.jinn.quant.Float16;
import dev.jinn.quant.GgmlType;
import dev.jinn.runtime.cpu.CpuBackend;
import dev.jinn.runtime.cpu.internal.Kernels;
import dev.jinn.runtime.cpu.internal.ScalarKernels;
import dev.jinn.runtime.gpu.kernels.Kernel;
import dev.jinn.runtime.gpu.kernels.LaunchConfig;
import dev.jinn.runtime.gpu.kernels.Launches;
import dev.jinn.spi.KvCache;
import dev.jinn.spi.Tensor;
import dev.jinn.spi.WeightTensor;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The twins against independent oracles on seeded random data: runtime-cpu's reference dequantizers (ggml's
 * {@code dequantize_row_*}, a separate implementation from the quant codecs the twins use), the CPU backend's ops,
 * and plain softmax attention; and the geometry checks against {@link Launches}.
 */
class ReferenceKernelsTest {
    private static final ValueLayout.OfShort I16 =
            ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    /** The eight weight types the GPU has kernels for. */
    enum WeightType {
        F32(GgmlType.F32), F16(GgmlType.F16), BF16(GgmlType.BF16), Q8_0(GgmlType.Q8_0), Q4_0(GgmlType.Q4_0),
        Q4_K(GgmlType.Q4_K), Q5_K(GgmlType.Q5_K), Q6_K(GgmlType.Q6_K);

        final GgmlType type;

        WeightType(GgmlType type) {
            this.type = type;
        }
    }

    private final Map<Kernel, FakeKernel> twins = ReferenceKernels.all();
    private final Arena arena = Arena.ofConfined();
    private final CpuBackend cpu = new CpuBackend(1, new ScalarKernels());

    @AfterEach
    void close() {
        cpu.close();
        arena.close();
    }

    @Test
    void everyKernelHasATwin() {
        assertThat(twins.keySet()).containsExactlyInAnyOrder(Kernel.values());
    }

    @ParameterizedTest
    @EnumSource(WeightType.class)
    void matvecMatchesTheReferenceDequantizerDotProducts(WeightType wt) {
        int rows = 37;
        int cols = 512;
        int n = 3;
        Random rnd = new Random(7 + wt.ordinal());
        MemorySegment w = encode(arena, wt.type, randoms(rnd, rows * cols, 1f), rows, cols);
        float[] x = randoms(rnd, n * cols, 2f);
        float[] bias = randoms(rnd, rows, 1f);
        if (Launches.quantizesActivations(wt.type.id())) {
            return; // their activations are Q8_0 blocks: matvecOnQ8ActivationsIsTheCpuBackendsProduct
        }
        for (boolean withBias : new boolean[] {false, true}) {
            MemorySegment out = floats(arena, new float[n * rows]);
            launch(Launches.matvecKernel(wt.type.id()), Launches.matvec(wt.type.id(), rows, cols, n),
                    w, floats(arena, x), withBias ? floats(arena, bias) : null, out, rows, cols, n);
            float[] row = new float[cols];
            long rowBytes = wt.type.rowBytes(cols);
            for (int r = 0; r < rows; r++) {
                Kernels.dequantizeRow(wt.type, w, r * rowBytes, row, 0, cols);
                for (int i = 0; i < n; i++) {
                    double s = withBias ? bias[r] : 0;
                    double mag = 0;
                    for (int c = 0; c < cols; c++) {
                        s += (double) row[c] * x[i * cols + c];
                        mag += Math.abs((double) row[c] * x[i * cols + c]);
                    }
                    assertThat(out.getAtIndex(F32, (long) i * rows + r)).as("%s row %d of x %d", wt, r, i)
                            .isCloseTo((float) s, within((float) (1e-6 * mag + 1e-6)));
                }
            }
        }
    }

    /**
     * Q8_0 and Q4_0 mat-vecs on activations quantized by the twin of jinn_quantize_q8_0 against the CPU backend, which
     * quantizes x as ggml does and sums the same integers: equal to float rounding of the scale products and sums.
     */
    @ParameterizedTest
    @EnumSource(value = WeightType.class, names = {"Q8_0", "Q4_0"})
    void matvecOnQ8ActivationsIsTheCpuBackendsProduct(WeightType wt) {
        int rows = 37;
        int cols = 512;
        int n = 3;
        Random rnd = new Random(17 + wt.ordinal());
        float[] wv = randoms(rnd, rows * cols, 1f);
        MemorySegment w = encode(arena, wt.type, wv, rows, cols);
        float[] x = randoms(rnd, n * cols, 2f);
        java.util.Arrays.fill(x, 64, 96, 0f); // an all-zero block: scale 0
        float[] bias = randoms(rnd, rows, 1f);
        MemorySegment xq = arena.allocate(Launches.q8ActivationBytes(n, cols), 16);
        launch(Kernel.QUANTIZE_Q8_0, Launches.quantizeQ8_0(n * cols), floats(arena, x), xq, n * cols);
        MemorySegment out = floats(arena, new float[n * rows]);
        launch(Launches.matvecKernel(wt.type.id()), Launches.matvec(wt.type.id(), rows, cols, n), w, xq,
                floats(arena, bias), out, rows, cols, n);

        Tensor ct = cpuTensor(x, n, cols);
        Tensor co = cpu.tensor(n, rows);
        cpu.matmul(cpu.weight("w", wt.type.id(), rows, cols, w), ct, n, cpu.weight("b", 0, 1, rows, floats(arena, bias)), co);
        float[] want = cpuRead(co, n, rows);
        float[] row = new float[cols];
        for (int r = 0; r < rows; r++) {
            Kernels.dequantizeRow(wt.type, w, r * wt.type.rowBytes(cols), row, 0, cols);
            for (int i = 0; i < n; i++) {
                double mag = Math.abs(bias[r]);
                for (int c = 0; c < cols; c++) {
                    mag += Math.abs((double) row[c] * x[i * cols + c]);
                }
                assertThat(out.getAtIndex(F32, (long) i * rows + r)).as("%s row %d of x %d", wt, r, i)
                        .isCloseTo(want[i * rows + r], within((float) (1e-6 * mag)));
            }
        }
    }

    @Test
    void quantizeQ8_0RoundsBlocksAsGgml() {
        int count = 96;
        float[] x = randoms(new Random(23), count, 3f);
        java.util.Arrays.fill(x, 32, 64, 0f);
        x[71] = 127f; // block 2's amax: scale 1, so the values below are ties of rint
        x[70] = 2.5f;
        x[72] = 3.5f;
        x[73] = -0.5f;
        MemorySegment xq = arena.allocate(Launches.q8ActivationBytes(1, count), 16);
        launch(Kernel.QUANTIZE_Q8_0, Launches.quantizeQ8_0(count), floats(arena, x), xq, count);
        for (int b = 0; b < count / 32; b++) {
            float amax = 0;
            for (int j = 0; j < 32; j++) {
                amax = Math.max(amax, Math.abs(x[b * 32 + j]));
            }
            float d = xq.getAtIndex(F32, count / 4 + b);
            assertThat(d).as("scale of block %d", b).isEqualTo(Float16.toFloat(Float16.fromFloat(amax / 127f)));
            for (int j = 0; j < 32; j++) {
                int q = xq.get(ValueLayout.JAVA_BYTE, b * 32L + j);
                int want = amax == 0 ? 0 : (int) Math.rint(x[b * 32 + j] * (127f / amax));
                assertThat(q).as("value %d", b * 32 + j).isEqualTo(want);
            }
        }
        assertThat(new byte[] {xq.get(ValueLayout.JAVA_BYTE, 70), xq.get(ValueLayout.JAVA_BYTE, 71),
                xq.get(ValueLayout.JAVA_BYTE, 72), xq.get(ValueLayout.JAVA_BYTE, 73)})
                .as("ties to even, as ggml's _MM_ROUND_NEAREST").containsExactly(2, 127, 4, 0);
        assertThatThrownBy(() -> launch(Kernel.QUANTIZE_Q8_0, LaunchConfig.of(1, 256), floats(arena, x), xq, 40))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("40 values");
        assertThatThrownBy(() -> Launches.quantizeQ8_0(40)).isInstanceOf(IllegalArgumentException.class);
    }

    @ParameterizedTest
    @EnumSource(WeightType.class)
    void embedAndDequantizeAreTheReferenceDequantizerExactly(WeightType wt) {
        int rows = 9;
        int cols = 256;
        MemorySegment table = encode(arena, wt.type, randoms(new Random(11), rows * cols, 3f), rows, cols);
        long rowBytes = wt.type.rowBytes(cols);
        int[] tokens = {4, 0, 8, 4};
        MemorySegment out = floats(arena, new float[tokens.length * cols]);
        launch(Kernel.EMBED, Launches.embed(tokens.length, cols), table, wt.type.id(), ints(arena, tokens), out,
                tokens.length, cols);
        float[] row = new float[cols];
        for (int i = 0; i < tokens.length; i++) {
            Kernels.dequantizeRow(wt.type, table, tokens[i] * rowBytes, row, 0, cols);
            for (int c = 0; c < cols; c++) {
                assertThat(out.getAtIndex(F32, (long) i * cols + c)).isEqualTo(row[c]);
            }
        }
        // rows 2..6 of the table as f16
        MemorySegment hf = arena.allocate(5L * cols * 2, 256);
        launch(Launches.dequantF16Kernel(wt.type.id()), Launches.dequantF16(wt.type.id(), 5, cols), table, hf, 2, 5,
                cols);
        for (int r = 0; r < 5; r++) {
            Kernels.dequantizeRow(wt.type, table, (2 + r) * rowBytes, row, 0, cols);
            for (int c = 0; c < cols; c++) {
                assertThat(hf.getAtIndex(I16, (long) r * cols + c)).isEqualTo(Float16.fromFloat(row[c]));
            }
        }
    }

    @Test
    void embedRefusesATokenOutsideTheTable() {
        MemorySegment table = encode(arena, GgmlType.Q8_0, new float[4 * 32], 4, 32);
        assertThatThrownBy(() -> launch(Kernel.EMBED, Launches.embed(1, 32), table, 8, ints(arena, new int[] {4}),
                floats(arena, new float[32]), 1, 32)).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("4");
    }

    @Test
    void f32ToF16RoundsToNearestEvenAndSaturates() {
        float tieDown = 1f + 0x1p-11f; // halfway between f16 0x3C00 and 0x3C01: stays even
        float tieUp = 1f + 3 * 0x1p-11f; // halfway between 0x3C01 and 0x3C02: goes to even 0x3C02
        float[] in = {tieDown, tieUp, -2.5f, 1e6f, Float.NEGATIVE_INFINITY, 65519f, Float.NaN};
        MemorySegment out = arena.allocate(2L * in.length, 256);
        launch(Kernel.F32_TO_F16, Launches.f32ToF16(in.length), floats(arena, in), out, in.length);
        short[] got = new short[in.length];
        for (int i = 0; i < in.length; i++) {
            got[i] = out.getAtIndex(I16, i);
        }
        assertThat(java.util.Arrays.copyOf(got, 6)).containsExactly((short) 0x3C00, (short) 0x3C02, (short) 0xC100,
                (short) 0x7BFF, (short) 0xFBFF, (short) 0x7BFF); // beyond 65504: clamped, not inf
        assertThat(Float16.toFloat(got[6])).isNaN();
    }

    @Test
    void rmsNormSwigluAddAndBiasMatchTheCpuBackend() {
        int n = 3;
        int cols = 96;
        Random rnd = new Random(3);
        float[] x = randoms(rnd, n * cols, 4f);
        float[] y = randoms(rnd, n * cols, 4f);
        float[] w = randoms(rnd, cols, 1f);

        MemorySegment out = floats(arena, new float[n * cols]);
        launch(Kernel.RMSNORM, Launches.rmsNorm(n, cols), floats(arena, x), floats(arena, w), out, n, cols, 1e-6f);
        Tensor ct = cpuTensor(x, n, cols);
        cpu.rmsNorm(ct, n, cpu.weight("w", 0, 1, cols, floats(arena, w)), 1e-6f, ct);
        assertClose(out, cpuRead(ct, n, cols), 0f); // ggml's arithmetic on both sides

        out = floats(arena, new float[n * cols]);
        launch(Kernel.SWIGLU, Launches.elementwise(n * cols), floats(arena, x), floats(arena, y), out, n * cols);
        Tensor g = cpuTensor(x, n, cols);
        cpu.swiglu(g, cpuTensor(y, n, cols), n, g);
        assertClose(out, cpuRead(g, n, cols), 1e-6f);

        MemorySegment xs = floats(arena, x);
        launch(Kernel.ADD, Launches.elementwise(n * cols), xs, floats(arena, y), n * cols);
        Tensor a = cpuTensor(x, n, cols);
        cpu.add(a, cpuTensor(y, n, cols), n);
        assertClose(xs, cpuRead(a, n, cols), 0f);

        MemorySegment b = floats(arena, x);
        launch(Kernel.ADD_BIAS, Launches.addBias(n, cols), b, floats(arena, w), n, cols);
        for (int i = 0; i < n; i++) {
            for (int c = 0; c < cols; c++) {
                assertThat(b.getAtIndex(F32, (long) i * cols + c)).isEqualTo(x[i * cols + c] + w[c]);
            }
        }
    }

    @ParameterizedTest
    @ValueSource(ints = {0, 1})
    void ropeMatchesTheCpuBackend(int neox) {
        int n = 3;
        int heads = 4;
        int headDim = 64;
        int start = 1000;
        float[] x = randoms(new Random(5), n * heads * headDim, 1f);
        MemorySegment xs = floats(arena, x);
        launch(Kernel.ROPE, Launches.rope(n, heads, headDim), xs, ints(arena, new int[] {start}), n, heads, headDim,
                Launches.ropeThetaScale(1_000_000f, headDim), neox);
        Tensor t = cpuTensor(x, n, heads * headDim);
        cpu.rope(t, n, heads, headDim, start, 1_000_000f, neox != 0);
        // both advance the angle by repeated multiplication as ggml's CPU does: the same floats
        assertClose(xs, cpuRead(t, n, heads * headDim), 0f);
        assertThat(xs.getAtIndex(F32, 1)).isNotEqualTo(x[1]); // rotated at all
    }

    @ParameterizedTest
    @ValueSource(booleans = {false, true})
    void attentionAcrossChunksWithGqaMatchesPlainSoftmax(boolean f16) {
        int heads = 4;
        int kvHeads = 2;
        int headDim = 64;
        int capacity = 100;
        int chunk = 32;
        int nChunks = 4;
        Random rnd = new Random(f16 ? 1 : 2);
        MemorySegment kc = arena.allocate((long) kvHeads * capacity * headDim * 4, 256);
        MemorySegment vc = arena.allocate((long) kvHeads * capacity * headDim * 4, 256);
        KvCache cpuCache = cpu.kvCache(1, kvHeads, headDim, capacity, f16 ? KvCacheType.F16 : KvCacheType.F32);
        float[][] keys = new float[capacity][];
        float[][] values = new float[capacity][];
        int start = 0;
        // three steps: a prefill of 40 (two chunks), one of 21 ending at the chunk boundary 61, a step of 3 across it
        for (int n : new int[] {40, 21, 3}) {
            float[] q = randoms(rnd, n * heads * headDim, 1f);
            float[] k = randoms(rnd, n * kvHeads * headDim, 1f);
            float[] v = randoms(rnd, n * kvHeads * headDim, 1f);
            for (int i = 0; i < n; i++) {
                keys[start + i] = java.util.Arrays.copyOfRange(k, i * kvHeads * headDim, (i + 1) * kvHeads * headDim);
                values[start + i] = java.util.Arrays.copyOfRange(v, i * kvHeads * headDim,
                        (i + 1) * kvHeads * headDim);
            }
            MemorySegment pos = ints(arena, new int[] {start});
            launch(Kernel.KV_STORE, Launches.kvStore(n, kvHeads, headDim), floats(arena, k), floats(arena, v), kc, vc, pos, n,
                    kvHeads, headDim, capacity, f16 ? 1 : 0);
            MemorySegment partial = arena.allocate((long) n * heads * nChunks * (headDim + 2) * 4, 256);
            partial.fill((byte) 0xFF); // NaN: values of empty chunks must never be read
            float scale = (float) (1 / Math.sqrt(headDim));
            launch(Kernel.ATTENTION, Launches.attention(n, heads, headDim, nChunks, chunk), floats(arena, q), kc, vc,
                    partial, pos, n, heads, kvHeads, headDim, capacity, chunk, f16 ? 1 : 0, scale);
            MemorySegment out = floats(arena, new float[n * heads * headDim]);
            launch(Kernel.ATTENTION_REDUCE, Launches.attentionReduce(n, heads, headDim, nChunks), partial, out, n,
                    heads, headDim, nChunks);

            // plain softmax over the (f16-rounded) cache, in double
            for (int i = 0; i < n; i++) {
                int p = start + i;
                for (int h = 0; h < heads; h++) {
                    int kvh = h / (heads / kvHeads);
                    double[] s = new double[p + 1];
                    double m = Double.NEGATIVE_INFINITY;
                    for (int t = 0; t <= p; t++) {
                        double dot = 0;
                        for (int d = 0; d < headDim; d++) {
                            dot += q[(i * heads + h) * headDim + d] * round(keys[t][kvh * headDim + d], f16);
                        }
                        s[t] = dot * scale;
                        m = Math.max(m, s[t]);
                    }
                    double sum = 0;
                    for (int t = 0; t <= p; t++) {
                        s[t] = Math.exp(s[t] - m);
                        sum += s[t];
                    }
                    for (int d = 0; d < headDim; d++) {
                        double o = 0;
                        for (int t = 0; t <= p; t++) {
                            o += s[t] * round(values[t][kvh * headDim + d], f16);
                        }
                        assertThat(out.getAtIndex(F32, (long) (i * heads + h) * headDim + d))
                                .as("row %d head %d dim %d", i, h, d).isCloseTo((float) (o / sum), within(1e-5f));
                    }
                }
            }

            // and the CPU backend, which rounds q and its running sum to f16 as ggml does for an F16 cache
            Tensor cq = cpuTensor(q, n, heads * headDim);
            Tensor cout = cpu.tensor(n, heads * headDim);
            cpu.attention(cpuCache, 0, cq, cpuTensor(k, n, kvHeads * headDim), cpuTensor(v, n, kvHeads * headDim), n,
                    start, heads, kvHeads, headDim, cout);
            float[] cpuOut = cpuRead(cout, n, heads * headDim);
            assertClose(out, cpuOut, f16 ? 1e-2f : 1e-5f);
            if (f16) { // the F16 cache's own kernel: the CPU's (ggml's) roundings and order, so its very numbers
                MemorySegment exact = floats(arena, new float[n * heads * headDim]);
                launch(Kernel.ATTENTION_F16, Launches.attentionF16(n, heads, headDim), floats(arena, q), kc, vc, exact, pos,
                        n, heads, kvHeads, headDim, capacity, scale);
                assertClose(exact, cpuOut, 0f);
                assertThatThrownBy(() -> launch(Kernel.ATTENTION_F16, Launches.attention(n, heads, headDim, nChunks,
                        chunk), floats(arena, q), kc, vc, exact, pos, n, heads, kvHeads, headDim, capacity, scale))
                        .isInstanceOf(IllegalStateException.class).hasMessageContaining("query rows");
            }
            start += n;
        }
        cpuCache.close();
    }

    @Test
    void launchesSatisfyEveryTwinAcrossShapes() {
        for (WeightType wt : WeightType.values()) {
            int id = wt.type.id();
            for (int rows : new int[] {1, 7, 8, 9, 4096 + 3}) {
                for (int n : new int[] {1, 2}) {
                    int cols = 256;
                    MemorySegment w = arena.allocate(rows * wt.type.rowBytes(cols), 256);
                    launch(Launches.matvecKernel(id), Launches.matvec(id, rows, cols, n), w,
                            floats(arena, new float[n * cols]), null, floats(arena, new float[n * rows]), rows, cols, n);
                }
            }
        }
        for (int headDim : new int[] {32, 64, 80, 128, 256}) {
            MemorySegment x = floats(arena, new float[2 * 3 * headDim]);
            launch(Kernel.ROPE, Launches.rope(2, 3, headDim), x, ints(arena, new int[] {0}), 2, 3, headDim, 1e4f, 0);
            MemorySegment partial = arena.allocate(2L * 3 * (headDim + 2) * 4, 256);
            launch(Kernel.ATTENTION_REDUCE, Launches.attentionReduce(2, 3, headDim, 1), partial, x, 2, 3, headDim, 1);
        }
        for (int capacity : new int[] {1, 100, 4096, 32768, 100_000, 1 << 30, Integer.MAX_VALUE}) {
            int chunk = Launches.attentionChunk(capacity, 128);
            assertThat(chunk % 32).as("chunk for %d", capacity).isZero();
            assertThat(Launches.attentionChunks(capacity, 128)).as("chunks of %d", capacity)
                    .isBetween(1, Launches.ATTENTION_MAX_CHUNKS);
            assertThat((long) chunk * Launches.attentionChunks(capacity, 128)).isGreaterThanOrEqualTo(capacity);
        }
        assertThat(Launches.attentionChunk(4096, 128)).isEqualTo(256);
    }

    @Test
    void twinsRefuseGeometryThatLeavesWorkUndone() {
        int rows = 64;
        int cols = 32;
        MemorySegment w = arena.allocate(rows * 34L, 256);
        MemorySegment x = floats(arena, new float[2 * cols]);
        MemorySegment out = floats(arena, new float[2 * rows]);
        LaunchConfig good = Launches.matvec(8, rows, cols, 2);
        LaunchConfig fewBlocks = new LaunchConfig(2, good.gridY() - 1, 1, 32, good.blockY(), 1, 0);
        LaunchConfig oneRow = new LaunchConfig(1, good.gridY(), 1, 32, good.blockY(), 1, 0);
        assertThatThrownBy(() -> launch(Kernel.MATVEC_Q8_0, fewBlocks, w, x, null, out, rows, cols, 2))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("jinn_matvec_q8_0")
                .hasMessageContaining("64 weight rows");
        assertThatThrownBy(() -> launch(Kernel.MATVEC_Q8_0, oneRow, w, x, null, out, rows, cols, 2))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("gridDim.x equals the 2");
        assertThatThrownBy(() -> launch(Kernel.ADD, LaunchConfig.of(1, 32), x, x, 64))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("64 elements");
        assertThatThrownBy(() -> launch(Kernel.ROPE, new LaunchConfig(3, 1, 1, 16, 1, 1, 0), x, ints(arena, new int[] {0}),
                1, 3, 64, 1e4f, 0)).isInstanceOf(IllegalStateException.class).hasMessageContaining("32 pairs");
        assertThatThrownBy(() -> launch(Kernel.ATTENTION, new LaunchConfig(1, 3, 1, 256, 1, 1, 0), x, w, w, w,
                ints(arena, new int[] {0}), 1, 1, 1, 32, 100, 32, 0, 1f)).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("4 chunks");
        assertThatThrownBy(() -> Launches.matvec(8, 8 * 65536, cols, 1)).isInstanceOf(IllegalArgumentException.class);
        assertThat(Launches.matvec(8, 152_064, cols, 70_000).gridX()).isEqualTo(70_000); // n is not grid-y bound
        MemorySegment q4k = arena.allocate(2 * 144 + 16, 256);
        MemorySegment offBy8 = q4k.asSlice(8);
        assertThatThrownBy(() -> launch(Kernel.MATVEC_Q4_K, Launches.matvec(12, 2, 256, 1), offBy8,
                floats(arena, new float[256]), null, floats(arena, new float[2]), 2, 256, 1))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("16-byte aligned");
    }

    // ---- helpers ----------------------------------------------------------------------------------------------

    private void launch(Kernel k, LaunchConfig c, Object... args) {
        assertThat(args).as("%s arguments", k).hasSize(k.params().size());
        twins.get(k).launch(c, HostArgs.of(args));
    }

    private static float round(float v, boolean f16) {
        return f16 ? Float16.toFloat(Float16.fromFloat(v)) : v;
    }

    /** A CPU tensor holding {@code values}, loaded through the SPI by embedding the rows of an F32 table. */
    private Tensor cpuTensor(float[] values, int rows, int cols) {
        WeightTensor table = cpu.weight("t", 0, rows, cols, floats(arena, values));
        Tensor t = cpu.tensor(rows, cols);
        int[] tokens = new int[rows];
        for (int i = 0; i < rows; i++) {
            tokens[i] = i;
        }
        cpu.embed(table, tokens, 0, rows, t);
        return t;
    }

    private float[] cpuRead(Tensor t, int rows, int cols) {
        float[] v = new float[rows * cols];
        for (int i = 0; i < rows; i++) {
            cpu.read(t, i, v, i * cols);
        }
        return v;
    }

    private static void assertClose(MemorySegment actual, float[] expected, float tolerance) {
        for (int i = 0; i < expected.length; i++) {
            assertThat(actual.getAtIndex(F32, i)).as("element %d", i)
                    .isCloseTo(expected[i], within(tolerance * Math.max(1f, Math.abs(expected[i]))));
        }
    }
}
