package dev.jinn.runtime.gpu.fake;

import static dev.jinn.runtime.gpu.fake.HostBuffers.F32;
import static dev.jinn.runtime.gpu.fake.HostBuffers.I32;
import static dev.jinn.runtime.gpu.fake.HostBuffers.encode;
import static dev.jinn.runtime.gpu.fake.HostBuffers.floats;
import static dev.jinn.runtime.gpu.fake.HostBuffers.ints;
import static dev.jinn.runtime.gpu.fake.HostBuffers.randoms;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.jinn.quant.GgmlType;
import dev.jinn.quant.QuantCodecs;
import dev.jinn.runtime.gpu.kernels.Kernel;
import dev.jinn.runtime.gpu.kernels.LaunchConfig;
import dev.jinn.runtime.gpu.kernels.Launches;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The CUDA kernels themselves, without a GPU: the unchanged sources under {@code src/main/cuda} are compiled with
 * g++ against the host shim in {@code src/test/cuda-emu} (one CPU thread per CUDA thread, warps and blocks meeting
 * at barriers, misaligned vector loads aborting) and every kernel is launched with the geometry of
 * {@link Launches} on seeded random data, against its Java twin. This checks indexing, block layouts, lane splits,
 * reductions and the online softmax of the real kernel code; it cannot check speed or nvcc-specific code generation.
 * Skipped, with the reason, where no g++ (C++20) is installed.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class CudaEmulationTest {

    private static Arena libraryArena;
    private static MethodHandle emuLaunch;

    private final Arena arena = Arena.ofConfined();
    private final java.util.Map<Kernel, FakeKernel> twins = ReferenceKernels.all();

    @BeforeAll
    static void compileKernelsForTheHost() throws IOException, InterruptedException {
        Path out = Path.of("target/cuda-emu");
        Files.createDirectories(out);
        Path lib = out.resolve("libjinnemu.so");
        List<String> cmd = List.of("g++", "-std=c++20", "-O1", "-ffp-contract=off", "-fPIC", "-shared", "-pthread",
                "-Isrc/test/cuda-emu", "-Isrc/main/cuda", "-o", lib.toString(), "src/test/cuda-emu/emu.cpp");
        Process p;
        try {
            p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        } catch (IOException e) {
            Assumptions.abort("no g++ to compile the CUDA sources for host emulation: " + e.getMessage());
            return;
        }
        String log = new String(p.getInputStream().readAllBytes());
        assertThat(p.waitFor()).as("g++ on the CUDA sources with the emulation shim:\n%s", log).isZero();
        libraryArena = Arena.ofShared();
        SymbolLookup lookup = SymbolLookup.libraryLookup(lib, libraryArena);
        emuLaunch = Linker.nativeLinker().downcallHandle(lookup.findOrThrow("emu_launch"),
                FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.JAVA_INT,
                        ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.JAVA_INT,
                        ValueLayout.JAVA_INT, ValueLayout.ADDRESS));
    }

    @AfterAll
    static void unload() {
        if (libraryArena != null) {
            libraryArena.close();
        }
    }

    @AfterEach
    void free() {
        arena.close();
    }

    @ParameterizedTest
    @EnumSource(ReferenceKernelsTest.WeightType.class)
    void matvecMatchesTheTwin(ReferenceKernelsTest.WeightType wt) {
        GgmlType t = wt.type;
        int[] colsToTry = t.blockElements() == 1 ? new int[] {100, 1024} : new int[] {768, 1024};
        for (int cols : colsToTry) {
            int rows = 37;
            int n = 2;
            Random rnd = new Random(31 * cols + wt.ordinal());
            float[] wv = randoms(rnd, rows * cols, 1f);
            MemorySegment w = encode(arena, t, wv, rows, cols);
            MemorySegment x = floats(arena, randoms(rnd, n * cols, 1f));
            MemorySegment bias = floats(arena, randoms(rnd, rows, 1f));
            // the magnitudes below are of w·x; for Q8_0/Q4_0 the kernels take x as Q8_0 blocks (checked bit for bit)
            MemorySegment xk = Launches.quantizesActivations(t.id()) ? quantizedQ8_0(x, n * cols) : x;
            LaunchConfig c = Launches.matvec(t.id(), rows, cols, n);
            Kernel k = Launches.matvecKernel(t.id());
            MemorySegment gpu = floats(arena, new float[n * rows]);
            MemorySegment twin = floats(arena, new float[n * rows]);
            emulate(k, c, w, xk, bias, gpu, rows, cols, n);
            twin(k, c, w, xk, bias, twin, rows, cols, n);
            float[] row = new float[cols];
            for (int r = 0; r < rows; r++) {
                QuantCodecs.require(t).decode(w, r * t.rowBytes(cols), row, 0, cols);
                for (int i = 0; i < n; i++) {
                    double mag = Math.abs(bias.getAtIndex(F32, r));
                    for (int j = 0; j < cols; j++) {
                        mag += Math.abs(row[j] * x.getAtIndex(F32, (long) i * cols + j));
                    }
                    long o = (long) i * rows + r;
                    assertThat(gpu.getAtIndex(F32, o)).as("%s cols %d row %d x %d", t, cols, r, i)
                            .isCloseTo(twin.getAtIndex(F32, o), within((float) (2e-6 * mag)));
                }
            }
            // no bias
            emulate(k, c, w, xk, null, gpu, rows, cols, n);
            twin(k, c, w, xk, null, twin, rows, cols, n);
            assertThat(gpu.getAtIndex(F32, rows + 3)).isCloseTo(twin.getAtIndex(F32, rows + 3), within(1e-3f));
        }
    }

    @ParameterizedTest
    @EnumSource(ReferenceKernelsTest.WeightType.class)
    void embedAndDequantizeEqualTheTwinBitForBit(ReferenceKernelsTest.WeightType wt) {
        GgmlType t = wt.type;
        int rows = 6;
        int cols = 512;
        MemorySegment table = encode(arena, t, randoms(new Random(wt.ordinal()), rows * cols, 2f), rows, cols);
        MemorySegment tokens = ints(arena, new int[] {5, 0, 3});
        MemorySegment gpu = floats(arena, new float[3 * cols]);
        MemorySegment twin = floats(arena, new float[3 * cols]);
        LaunchConfig c = Launches.embed(3, cols);
        emulate(Kernel.EMBED, c, table, t.id(), tokens, gpu, 3, cols);
        twin(Kernel.EMBED, c, table, t.id(), tokens, twin, 3, cols);
        assertThat(gpu.toArray(ValueLayout.JAVA_BYTE)).as("embed %s", t).isEqualTo(twin.toArray(ValueLayout.JAVA_BYTE));

        Kernel dq = Launches.dequantF16Kernel(t.id());
        LaunchConfig dc = Launches.dequantF16(t.id(), 4, cols);
        MemorySegment gb = arena.allocate(4L * cols * 2, 256);
        MemorySegment tb = arena.allocate(4L * cols * 2, 256);
        emulate(dq, dc, table, gb, 1, 4, cols);
        twin(dq, dc, table, tb, 1, 4, cols);
        assertThat(gb.toArray(ValueLayout.JAVA_BYTE)).as("dequant %s", t).isEqualTo(tb.toArray(ValueLayout.JAVA_BYTE));
    }

    @Test
    void elementwiseAndRowKernelsMatchTheTwins() {
        int n = 3;
        int cols = 1000;
        Random rnd = new Random(9);
        float[] xv = randoms(rnd, n * cols, 3f);
        xv[7] = 1f + 0x1p-11f; // an f16 tie
        xv[8] = -1e6f; // beyond the f16 range: saturates
        java.util.Arrays.fill(xv, 64, 96, 0f); // an all-zero Q8_0 block
        MemorySegment x = floats(arena, xv);
        MemorySegment y = floats(arena, randoms(rnd, n * cols, 3f));
        MemorySegment w = floats(arena, randoms(rnd, cols, 1f));

        compare(Kernel.RMSNORM, Launches.rmsNorm(n, cols), n * cols, 1e-6f, (out, args) -> new Object[] {x, w, out,
                n, cols, 1e-6f});
        compare(Kernel.SWIGLU, Launches.elementwise(n * cols), n * cols, 1e-6f, (out, args) -> new Object[] {x, y, out,
                n * cols});
        compare(Kernel.ADD, Launches.elementwise(n * cols), n * cols, 0f, (out, args) -> {
            MemorySegment.copy(x, 0, out, 0, x.byteSize());
            return new Object[] {out, y, n * cols};
        });
        compare(Kernel.ADD_BIAS, Launches.addBias(n, cols), n * cols, 0f, (out, args) -> {
            MemorySegment.copy(x, 0, out, 0, x.byteSize());
            return new Object[] {out, w, n, cols};
        });
        MemorySegment gb = arena.allocate(n * cols * 2L, 256);
        MemorySegment tb = arena.allocate(n * cols * 2L, 256);
        emulate(Kernel.F32_TO_F16, Launches.f32ToF16(n * cols), x, gb, n * cols);
        twin(Kernel.F32_TO_F16, Launches.f32ToF16(n * cols), x, tb, n * cols);
        assertThat(gb.toArray(ValueLayout.JAVA_BYTE)).isEqualTo(tb.toArray(ValueLayout.JAVA_BYTE));
        quantizedQ8_0(x, n * cols / 32 * 32); // whole blocks, one of them all zero
    }

    @ParameterizedTest
    @CsvSource({"64,0,3", "64,1,4095", "128,1,70000", "80,0,4095", "80,1,5"})
    void ropeMatchesTheTwin(int headDim, int neox, int start) {
        int n = 2;
        int heads = 3;
        MemorySegment x = floats(arena, randoms(new Random(headDim), n * heads * headDim, 1f));
        MemorySegment pos = ints(arena, new int[] {start});
        // the same float angles on both sides; sincosf and Math.sin/cos may differ in the last bits
        compare(Kernel.ROPE, Launches.rope(n, heads, headDim), n * heads * headDim, 1e-6f, (out, args) -> {
            MemorySegment.copy(x, 0, out, 0, x.byteSize());
            return new Object[] {out, pos, n, heads, headDim, Launches.ropeThetaScale(1_000_000f, headDim), neox};
        });
    }

    @ParameterizedTest
    @CsvSource({"128,1", "80,0"})
    void kvStoreAttentionAndReduceMatchTheTwins(int headDim, int f16) {
        attention(headDim, f16);
    }

    /** More head sizes; slow because every emulated warp shuffle is a barrier of 32 threads. */
    @ParameterizedTest
    @CsvSource({"64,0", "64,1", "256,1", "256,0", "80,1"})
    @Tag("slow")
    void kvStoreAttentionAndReduceMatchTheTwinsForMoreHeadSizes(int headDim, int f16) {
        attention(headDim, f16);
    }

    /**
     * jinn_attention_f16 (an F16 cache read as ggml's CPU does) against its twin: the same roundings in the same
     * order, so equal but for the last bit of an expf, which may move an f16 rounding of the running sum; across the
     * ATT_TILE boundary (1024) when the cache is long enough.
     */
    @ParameterizedTest
    @CsvSource({"64,100,3", "80,100,3", "64,1100,1030"})
    void attentionF16MatchesTheTwin(int headDim, int capacity, int start) {
        int heads = 4;
        int kvHeads = 2;
        int n = 2;
        Random rnd = new Random(headDim + capacity);
        int cacheValues = kvHeads * capacity * headDim;
        MemorySegment kc = arena.allocate(2L * cacheValues, 256);
        MemorySegment vc = arena.allocate(2L * cacheValues, 256);
        float[] kv = randoms(rnd, 2 * cacheValues, 1f);
        for (int e = 0; e < cacheValues; e++) {
            kc.setAtIndex(ValueLayout.JAVA_SHORT, e, Float.floatToFloat16(kv[e]));
            vc.setAtIndex(ValueLayout.JAVA_SHORT, e, Float.floatToFloat16(kv[cacheValues + e]));
        }
        MemorySegment q = floats(arena, randoms(rnd, n * heads * headDim, 2f));
        MemorySegment pos = ints(arena, new int[] {start});
        float scale = (float) (1 / Math.sqrt(headDim));
        LaunchConfig c = Launches.attentionF16(n, heads, headDim);
        MemorySegment gpu = floats(arena, new float[n * heads * headDim]);
        MemorySegment twin = floats(arena, new float[n * heads * headDim]);
        emulate(Kernel.ATTENTION_F16, c, q, kc, vc, gpu, pos, n, heads, kvHeads, headDim, capacity, scale);
        twin(Kernel.ATTENTION_F16, c, q, kc, vc, twin, pos, n, heads, kvHeads, headDim, capacity, scale);
        int equal = 0;
        for (int e = 0; e < n * heads * headDim; e++) {
            float want = twin.getAtIndex(F32, e);
            float got = gpu.getAtIndex(F32, e);
            assertThat(got).as("element %d", e).isCloseTo(want, within(2e-3f * Math.max(1f, Math.abs(want))));
            equal += Float.floatToIntBits(got) == Float.floatToIntBits(want) ? 1 : 0;
        }
        assertThat(equal).as("bit-equal outputs").isGreaterThanOrEqualTo(n * heads * headDim * 95 / 100);
    }

    private void attention(int headDim, int f16) {
        int heads = 4;
        int kvHeads = 2;
        int capacity = 100;
        int chunk = 32;
        int nChunks = 4;
        int elem = f16 != 0 ? 2 : 4;
        Random rnd = new Random(headDim + f16);
        MemorySegment gk = arena.allocate((long) kvHeads * capacity * headDim * elem, 256);
        MemorySegment gv = arena.allocate((long) kvHeads * capacity * headDim * elem, 256);
        MemorySegment tk = arena.allocate(gk.byteSize(), 256);
        MemorySegment tv = arena.allocate(gv.byteSize(), 256);
        int start = 0;
        for (int n : new int[] {5, 30, 2}) { // 0..4, 5..34 (across 32), 35..36
            MemorySegment k = floats(arena, randoms(rnd, n * kvHeads * headDim, 1f));
            MemorySegment v = floats(arena, randoms(rnd, n * kvHeads * headDim, 1f));
            MemorySegment q = floats(arena, randoms(rnd, n * heads * headDim, 1f));
            MemorySegment pos = ints(arena, new int[] {start});
            LaunchConfig sc = Launches.kvStore(n, kvHeads, headDim);
            emulate(Kernel.KV_STORE, sc, k, v, gk, gv, pos, n, kvHeads, headDim, capacity, f16);
            twin(Kernel.KV_STORE, sc, k, v, tk, tv, pos, n, kvHeads, headDim, capacity, f16);
            assertThat(gk.toArray(ValueLayout.JAVA_BYTE)).as("k cache").isEqualTo(tk.toArray(ValueLayout.JAVA_BYTE));
            assertThat(gv.toArray(ValueLayout.JAVA_BYTE)).as("v cache").isEqualTo(tv.toArray(ValueLayout.JAVA_BYTE));

            float scale = (float) (1 / Math.sqrt(headDim));
            long recBytes = (long) n * heads * nChunks * (headDim + 2) * 4;
            MemorySegment gp = arena.allocate(recBytes, 256);
            MemorySegment tp = arena.allocate(recBytes, 256);
            LaunchConfig ac = Launches.attention(n, heads, headDim, nChunks, chunk);
            emulate(Kernel.ATTENTION, ac, q, gk, gv, gp, pos, n, heads, kvHeads, headDim, capacity, chunk, f16, scale);
            twin(Kernel.ATTENTION, ac, q, tk, tv, tp, pos, n, heads, kvHeads, headDim, capacity, chunk, f16, scale);
            for (long r = 0; r < (long) n * heads * nChunks; r++) {
                long m = r * (headDim + 2) + headDim;
                assertThat(gp.getAtIndex(F32, m)).as("max of record %d", r).isCloseTo(tp.getAtIndex(F32, m),
                        within(1e-5f));
                assertThat(gp.getAtIndex(F32, m + 1)).as("sum of record %d", r)
                        .isCloseTo(tp.getAtIndex(F32, m + 1), within(1e-5f * Math.max(1, tp.getAtIndex(F32, m + 1))));
            }
            MemorySegment go = floats(arena, new float[n * heads * headDim]);
            MemorySegment to = floats(arena, new float[n * heads * headDim]);
            LaunchConfig rc = Launches.attentionReduce(n, heads, headDim, nChunks);
            emulate(Kernel.ATTENTION_REDUCE, rc, gp, go, n, heads, headDim, nChunks);
            twin(Kernel.ATTENTION_REDUCE, rc, tp, to, n, heads, headDim, nChunks);
            for (long e = 0; e < (long) n * heads * headDim; e++) {
                assertThat(go.getAtIndex(F32, e)).as("step at %d, element %d", start, e)
                        .isCloseTo(to.getAtIndex(F32, e), within(2e-6f));
            }
            start += n;
        }
    }

    // ---- helpers ----------------------------------------------------------------------------------------------

    @FunctionalInterface
    private interface Args {
        Object[] with(MemorySegment out, Object unused);
    }

    /** Runs k on the emulator and on the twin, each into its own output of {@code count} floats, and compares. */
    private void compare(Kernel k, LaunchConfig c, int count, float tolerance, Args args) {
        MemorySegment gpu = floats(arena, new float[count]);
        MemorySegment twin = floats(arena, new float[count]);
        emulate(k, c, args.with(gpu, null));
        twin(k, c, args.with(twin, null));
        for (int i = 0; i < count; i++) {
            float want = twin.getAtIndex(F32, i);
            assertThat(gpu.getAtIndex(F32, i)).as("%s element %d", k.symbol(), i)
                    .isCloseTo(want, within(tolerance * Math.max(1f, Math.abs(want))));
        }
    }

    private void twin(Kernel k, LaunchConfig c, Object... args) {
        twins.get(k).launch(c, HostArgs.of(args));
    }

    /** Launches the emulated CUDA kernel with {@code void** kernelParams} built from the arguments' kinds. */
    private void emulate(Kernel k, LaunchConfig c, Object... args) {
        assertThat(args).hasSize(k.params().size());
        MemorySegment params = arena.allocate(ValueLayout.ADDRESS, args.length);
        for (int i = 0; i < args.length; i++) {
            MemorySegment slot = arena.allocate(8, 8);
            switch (k.params().get(i)) {
                case PTR -> slot.set(ValueLayout.ADDRESS, 0, args[i] == null ? MemorySegment.NULL
                        : (MemorySegment) args[i]);
                case I32 -> slot.set(ValueLayout.JAVA_INT, 0, (Integer) args[i]);
                case F32 -> slot.set(ValueLayout.JAVA_FLOAT, 0, (Float) args[i]);
            }
            params.setAtIndex(ValueLayout.ADDRESS, i, slot);
        }
        int rc;
        try {
            rc = (int) emuLaunch.invokeExact(arena.allocateFrom(k.symbol()), c.gridX(), c.gridY(), c.gridZ(),
                    c.blockX(), c.blockY(), c.blockZ(), params);
        } catch (Throwable t) {
            throw new AssertionError("emulated launch of " + k.symbol() + " failed", t);
        }
        assertThat(rc).as("emu_launch(%s, %s)", k.symbol(), c).isZero();
    }

    /** x's first {@code count} values as Q8_0 activations, emulated and twin equal bit for bit; the emulated ones. */
    private MemorySegment quantizedQ8_0(MemorySegment x, int count) {
        LaunchConfig c = Launches.quantizeQ8_0(count);
        MemorySegment gpu = arena.allocate(Launches.q8ActivationBytes(1, count), 256);
        MemorySegment twin = arena.allocate(gpu.byteSize(), 256);
        emulate(Kernel.QUANTIZE_Q8_0, c, x, gpu, count);
        twin(Kernel.QUANTIZE_Q8_0, c, x, twin, count);
        assertThat(gpu.toArray(ValueLayout.JAVA_BYTE)).as("Q8_0 activations of %d values", count)
                .isEqualTo(twin.toArray(ValueLayout.JAVA_BYTE));
        return gpu;
    }

}
