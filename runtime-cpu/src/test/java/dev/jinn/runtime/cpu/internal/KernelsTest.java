package dev.jinn.runtime.cpu.internal;

import static org.assertj.core.api.Assertions.assertThat;

import dev.jinn.quant.GgmlType;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.params.provider.EnumSource;

/** Every vector kernel against its scalar twin on seeded random data; the scalar dequantizers against ggml's. */
class KernelsTest {
    static final Path VECTORS = Path.of(System.getProperty("jinn.shared.data"), "quant-vectors");
    static final Kernels SCALAR = new ScalarKernels();
    static final Kernels VECTOR = new VectorKernels();
    static final Kernels PORTABLE = new PortableKernels();

    /** Random encoded rows whose f16 scales are small finite numbers, so every bit pattern of the rest is valid. */
    static MemorySegment randomRows(GgmlType type, int rows, int cols, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        long rowBytes = type.rowBytes(cols);
        MemorySegment seg = Arena.ofAuto().allocate(rowBytes * rows + 64).asSlice(0, rowBytes * rows);
        for (long i = 0; i < seg.byteSize(); i++) {
            seg.set(ValueLayout.JAVA_BYTE, i, (byte) r.nextInt(256));
        }
        ValueLayout.OfShort sh = Kernels.LE_SHORT;
        long blocks = seg.byteSize() / type.blockBytes();
        for (long b = 0; b < blocks; b++) {
            long bo = b * type.blockBytes();
            switch (type) {
                case F32 -> seg.set(Kernels.LE_FLOAT, bo, (float) r.nextGaussian());
                case F16 -> seg.set(sh, bo, Float.floatToFloat16((float) r.nextGaussian()));
                case BF16 -> seg.set(sh, bo, Fp.toBf16((float) r.nextGaussian()));
                case Q8_0, Q4_0 -> seg.set(sh, bo, Float.floatToFloat16(0.001f + r.nextFloat() * 0.01f));
                case Q4_K, Q5_K -> {
                    seg.set(sh, bo, Float.floatToFloat16(0.001f + r.nextFloat() * 0.01f));
                    seg.set(sh, bo + 2, Float.floatToFloat16(0.001f + r.nextFloat() * 0.01f));
                }
                case Q6_K -> seg.set(sh, bo + 208, Float.floatToFloat16(0.001f + r.nextFloat() * 0.01f));
                default -> throw new IllegalArgumentException(type.name());
            }
        }
        return seg;
    }

    static float[] randomFloats(int n, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        float[] x = new float[n];
        for (int i = 0; i < n; i++) {
            x[i] = (float) r.nextGaussian() * (i % 7 == 0 ? 3 : 1);
        }
        return x;
    }

    @ParameterizedTest
    @CsvSource({"F32,1", "F32,15", "F32,17", "F32,100", "F16,1", "F16,31", "F16,33", "F16,130", "BF16,7", "BF16,48",
            "BF16,129", "Q8_0,32", "Q8_0,64", "Q8_0,96", "Q8_0,224", "Q4_0,32", "Q4_0,160", "Q4_K,256", "Q4_K,768",
            "Q5_K,256", "Q5_K,1280", "Q6_K,256", "Q6_K,768"})
    void vectorDotMatchesScalarTwin(GgmlType type, int cols) {
        int rows = 5;
        int tokens = 6; // one group of four (the batched prefill kernels) and two single rows
        MemorySegment w = randomRows(type, rows, cols, 42 + cols);
        float[] x = randomFloats(tokens * cols, 7 + cols);
        QuantizedActivations a = new QuantizedActivations();
        SCALAR.prepare(type, x, tokens, cols, a);
        QuantizedActivations av = new QuantizedActivations(); // the vector kernels' own preparation (batched extras)
        VECTOR.prepare(type, x, tokens, cols, av);
        float[] dq = new float[cols];
        float[] xq = dequantizeActivations(type, a, tokens, cols);
        double[] refs = new double[tokens * rows];
        double[] mags = new double[tokens * rows];
        for (int r = 0; r < rows; r++) {
            long off = r * type.rowBytes(cols);
            Kernels.dequantizeRow(type, w, off, dq, 0, cols);
            for (int t = 0; t < tokens; t++) {
                double[] exact = exactDot(dq, xq, t, cols);
                double ref = exact[0];
                double mag = exact[1];
                refs[t * rows + r] = ref;
                mags[t * rows + r] = mag;
                float scalar = SCALAR.dot(type, w, off, a, t, cols);
                float vector = VECTOR.dot(type, w, off, av, t, cols);
                assertThat((double) scalar).as("%s scalar row %d token %d", type, r, t).isCloseTo(ref,
                        org.assertj.core.data.Offset.offset(1e-5 * mag));
                assertThat((double) vector).as("%s vector row %d token %d", type, r, t).isCloseTo(scalar,
                        org.assertj.core.data.Offset.offset(1e-5 * mag));
            }
        }
        float[] outS = new float[tokens * rows];
        float[] outV = new float[tokens * rows];
        float[] bias = randomFloats(rows, 3);
        SCALAR.matRows(type, w, type.rowBytes(cols), 0, rows, a, tokens, cols, outS, rows, bias);
        VECTOR.matRows(type, w, type.rowBytes(cols), 0, rows, av, tokens, cols, outV, rows, bias);
        for (int i = 0; i < outS.length; i++) {
            assertThat(outV[i]).isCloseTo(outS[i], org.assertj.core.data.Offset.offset(1e-3f * (1 + Math.abs(outS[i]))));
        }
        // the batched (mat-mat) path: the panel kernels' float product within float rounding of the exact one;
        // the types without them take the one-token kernel for every token, so give exactly what it gives
        for (int r = 0; r < rows; r++) {
            for (int t = 0; t < tokens; t++) {
                float single = VECTOR.dot(type, w, r * type.rowBytes(cols), av, t, cols) + bias[r];
                if (av.packedType == type) {
                    assertThat((double) outV[t * rows + r]).as("%s row %d token %d", type, r, t)
                            .isCloseTo(refs[t * rows + r] + bias[r],
                                    org.assertj.core.data.Offset.offset(1e-5 * mags[t * rows + r]));
                } else {
                    assertThat(outV[t * rows + r]).as("%s row %d token %d", type, r, t).isEqualTo(single);
                }
            }
        }
    }

    /**
     * A prefill's preparation spread over threads (the backend passes its pool) gives the values it gives on the
     * calling thread: 37 rows cross the 16-row tasks and the token tiles, tasks run in reverse and on three threads.
     */
    @ParameterizedTest
    @EnumSource(value = GgmlType.class, names = {"Q8_0", "Q4_0", "Q4_K", "Q5_K", "Q6_K", "F16"})
    void aPreparationSpreadOverThreadsIsTheInlineOne(GgmlType type) {
        int rows = 37;
        int cols = 512;
        float[] x = randomFloats(rows * cols, 8);
        QuantizedActivations inline = new QuantizedActivations();
        VECTOR.prepare(type, x, rows, cols, inline);
        QuantizedActivations reversed = new QuantizedActivations();
        VECTOR.prepare(type, x, rows, cols, reversed, (tasks, body) -> {
            for (int i = tasks - 1; i >= 0; i--) {
                body.accept(i);
            }
        });
        QuantizedActivations pooled = new QuantizedActivations();
        try (WorkerPool pool = new WorkerPool(3)) {
            VECTOR.prepare(type, x, rows, cols, pooled, pool::parallelFor);
        }
        for (QuantizedActivations a : new QuantizedActivations[] {reversed, pooled}) {
            assertThat(a.packedType).isEqualTo(inline.packedType);
            assertThat(a.q).isEqualTo(inline.q);
            assertThat(a.d).isEqualTo(inline.d);
            assertThat(a.bsums).isEqualTo(inline.bsums);
            assertThat(a.bsum32).isEqualTo(inline.bsum32);
            assertThat(a.f).isEqualTo(inline.f);
            int packed = Math.max(0, inline.packed.length - ArrayAlignment.LINE_FLOATS); // past the alignment offset
            assertThat(java.util.Arrays.copyOfRange(a.packed, a.packedBase, a.packedBase + packed))
                    .isEqualTo(java.util.Arrays.copyOfRange(inline.packed, inline.packedBase,
                            inline.packedBase + packed));
            assertThat(a.packedScales).isEqualTo(inline.packedScales);
            assertThat(a.packedPairs).isEqualTo(inline.packedPairs);
            assertThat(a.packedMins).isEqualTo(inline.packedMins);
        }
    }

    /**
     * A batched preparation leaves the one-token kernels' int16 layouts out (the panel kernels read packed values);
     * a row kernel run on it all the same builds them once, also when several threads get there together, and gives
     * what it gives on activations prepared one token at a time.
     */
    @ParameterizedTest
    @EnumSource(value = GgmlType.class, names = {"Q8_0", "Q4_K", "Q6_K"})
    void aBatchedPreparationBuildsTheRowLayoutsOnFirstUse(GgmlType type) throws Exception {
        int rows = 3;
        int cols = 512;
        int tokens = VectorKernels.BATCH_MIN + 2;
        MemorySegment w = randomRows(type, rows, cols, 5);
        float[] x = randomFloats(tokens * cols, 6);
        QuantizedActivations batched = new QuantizedActivations();
        VECTOR.prepare(type, x, tokens, cols, batched);
        assertThat(batched.packedType).isEqualTo(type);
        assertThat(batched.rowLayouts).as("built by prepare").isFalse();
        float[][] expected = new float[tokens][rows];
        for (int t = 0; t < tokens; t++) {
            QuantizedActivations one = new QuantizedActivations();
            VECTOR.prepare(type, java.util.Arrays.copyOfRange(x, t * cols, (t + 1) * cols), 1, cols, one);
            assertThat(one.rowLayouts).isTrue();
            for (int r = 0; r < rows; r++) {
                expected[t][r] = VECTOR.dot(type, w, r * type.rowBytes(cols), one, 0, cols);
            }
        }
        java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(tokens);
        try {
            java.util.concurrent.CountDownLatch start = new java.util.concurrent.CountDownLatch(1);
            java.util.List<java.util.concurrent.Future<float[]>> got = new java.util.ArrayList<>();
            for (int t = 0; t < tokens; t++) {
                int token = t;
                got.add(pool.submit(() -> {
                    start.await();
                    float[] out = new float[rows];
                    for (int r = 0; r < rows; r++) {
                        out[r] = VECTOR.dot(type, w, r * type.rowBytes(cols), batched, token, cols);
                    }
                    return out;
                }));
            }
            start.countDown();
            for (int t = 0; t < tokens; t++) {
                assertThat(got.get(t).get(60, java.util.concurrent.TimeUnit.SECONDS)).as("token %d", t)
                        .containsExactly(expected[t]);
            }
        } finally {
            pool.shutdownNow();
        }
        assertThat(batched.rowLayouts).isTrue();
    }

    /**
     * The prefill kernels' tiling (panels of PANEL rows, tiles of TOKENS or Q8_TOKENS tokens, 256 columns decoded at a
     * time) with a partial panel and a partial token tile, in a task that starts at row 2 and ends three rows before
     * the last: within float rounding of the exact product of the dequantized weights and activations, with and
     * without a bias, and nothing written outside the task's rows.
     */
    @ParameterizedTest
    @CsvSource({"Q4_K,512", "Q6_K,768", "Q8_0,160", "Q8_0,544", "Q4_0,96", "Q4_0,160", "F32,48", "F16,272",
            "BF16,160"})
    void batchedPanelsAndTokenTilesGiveTheDequantizedProduct(GgmlType type, int cols) {
        int rows = VectorKernels.PANEL + 12;
        int tokens = 2 * VectorKernels.TOKENS + 5;
        int r0 = 2;
        int r1 = rows - 3;
        MemorySegment w = randomRows(type, rows, cols, 5 + cols);
        QuantizedActivations a = new QuantizedActivations();
        VECTOR.prepare(type, randomFloats(tokens * cols, 9 + cols), tokens, cols, a);
        assertThat(a.packedType).isEqualTo(type);
        float[] bias = randomFloats(rows, 4);
        float[] withBias = new float[tokens * rows];
        float[] noBias = new float[tokens * rows];
        VECTOR.matRows(type, w, type.rowBytes(cols), r0, r1, a, tokens, cols, withBias, rows, bias);
        VECTOR.matRows(type, w, type.rowBytes(cols), r0, r1, a, tokens, cols, noBias, rows, null);
        float[] dq = new float[cols];
        float[] xq = dequantizeActivations(type, a, tokens, cols);
        for (int r = 0; r < rows; r++) {
            Kernels.dequantizeRow(type, w, r * type.rowBytes(cols), dq, 0, cols);
            for (int t = 0; t < tokens; t++) {
                if (r < r0 || r >= r1) {
                    assertThat(withBias[t * rows + r]).as("%s row %d (outside the task) token %d", type, r, t)
                            .isEqualTo(0f);
                    assertThat(noBias[t * rows + r]).isEqualTo(0f);
                    continue;
                }
                double[] exact = exactDot(dq, xq, t, cols);
                double ref = exact[0];
                org.assertj.core.data.Offset<Double> near = org.assertj.core.data.Offset.offset(1e-5 * exact[1]);
                assertThat((double) withBias[t * rows + r]).as("%s row %d token %d", type, r, t)
                        .isCloseTo(ref + bias[r], near);
                assertThat((double) noBias[t * rows + r]).as("%s row %d token %d, no bias", type, r, t)
                        .isCloseTo(ref, near);
                float single = VECTOR.dot(type, w, r * type.rowBytes(cols), a, t, cols);
                assertThat((double) noBias[t * rows + r]).as("%s row %d token %d against one token", type, r, t)
                        .isCloseTo(single, near);
            }
        }
    }

    /**
     * Decode's product (one token): the vector kernels take a task's rows in one call, which must give every row
     * exactly what the one-token kernel gives that row alone, plus its bias, and write nothing outside the task.
     */
    @ParameterizedTest
    @CsvSource({"Q4_K,256", "Q4_K,1536", "Q6_K,768", "Q8_0,96", "Q8_0,160", "Q4_0,160", "Q5_K,512", "F32,48",
            "F16,33", "BF16,48"})
    void oneTokenRowsInOneCallGiveEachRowsOwnSum(GgmlType type, int cols) {
        int rows = 11;
        int r0 = 2;
        int r1 = rows - 3;
        long rowBytes = type.rowBytes(cols);
        MemorySegment w = randomRows(type, rows, cols, 3 + cols);
        QuantizedActivations a = new QuantizedActivations();
        VECTOR.prepare(type, randomFloats(cols, 8 + cols), 1, cols, a);
        float[] bias = randomFloats(rows, 6);
        float[] withBias = new float[rows];
        float[] noBias = new float[rows];
        java.util.Arrays.fill(withBias, Float.NaN);
        java.util.Arrays.fill(noBias, Float.NaN);
        VECTOR.matRows(type, w, rowBytes, r0, r1, a, 1, cols, withBias, rows, bias);
        VECTOR.matRows(type, w, rowBytes, r0, r1, a, 1, cols, noBias, rows, null);
        for (int r = 0; r < rows; r++) {
            if (r < r0 || r >= r1) {
                assertThat(withBias[r]).as("%s row %d (outside the task)", type, r).isNaN();
                assertThat(noBias[r]).as("%s row %d (outside the task)", type, r).isNaN();
                continue;
            }
            float single = VECTOR.dot(type, w, r * rowBytes, a, 0, cols);
            assertThat(noBias[r]).as("%s row %d", type, r).isEqualTo(single);
            assertThat(withBias[r]).as("%s row %d with its bias", type, r).isEqualTo(single + bias[r]);
        }
    }

    /**
     * The one-token Q8_0 kernel sums two products per int16 lane before widening: weights at -128 against activations
     * at +127 give -32512 a lane, against -127 +32512 (Q8_0 activations never reach -128), the most a lane must hold
     * either way; a row alternating -128 and 127 mixes the signs within a pair. Odd and even block counts.
     */
    @ParameterizedTest
    @ValueSource(ints = {32, 64, 96, 1536})
    void q8DotSumsHoldTheirLargestValues(int cols) {
        GgmlType type = GgmlType.Q8_0;
        int rows = 3;
        MemorySegment w = Arena.ofAuto().allocate(type.rowBytes(cols) * rows);
        for (long bo = 0; bo < w.byteSize(); bo += 34) {
            long row = bo / type.rowBytes(cols);
            w.set(Kernels.LE_SHORT, bo, Float.floatToFloat16(0.01f));
            for (int i = 0; i < 32; i++) {
                int q = row == 0 ? -128 : row == 1 ? 127 : i % 2 == 0 ? -128 : 127;
                w.set(ValueLayout.JAVA_BYTE, bo + 2 + i, (byte) q);
            }
        }
        float[] x = new float[2 * cols];
        for (int i = 0; i < cols; i++) {
            x[i] = 3f; // +127 everywhere
            x[cols + i] = -3f; // -127 everywhere
        }
        QuantizedActivations a = new QuantizedActivations();
        VECTOR.prepare(type, x, 2, cols, a);
        assertThat(a.q[0]).isEqualTo((byte) 127);
        assertThat(a.q[cols]).isEqualTo((byte) -127);
        assertOneTokenDotsExact(type, w, a, rows, 2, cols);
    }

    /** Each row of {@code w} against each of the first {@code tokens} tokens of {@code a}, by the one-token kernel. */
    private static void assertOneTokenDotsExact(GgmlType type, MemorySegment w, QuantizedActivations a, int rows,
                                                int tokens, int cols) {
        float[] dq = new float[cols];
        float[] xq = dequantizeActivations(type, a, tokens, cols);
        for (int r = 0; r < rows; r++) {
            long off = r * type.rowBytes(cols);
            Kernels.dequantizeRow(type, w, off, dq, 0, cols);
            for (int t = 0; t < tokens; t++) {
                double[] exact = exactDot(dq, xq, t, cols);
                assertThat((double) VECTOR.dot(type, w, off, a, t, cols)).as("%s row %d token %d", type, r, t)
                        .isCloseTo(exact[0], org.assertj.core.data.Offset.offset(1e-5 * exact[1]));
            }
        }
    }

    /**
     * The one-token Q6_K kernel sums four products of the six-bit values (0..63, without their offset of 32) in an
     * int16 lane and two lanes in an int32 one: every value 63 against activations at +-127 gives 32004 a lane and
     * 64008 a pair, both signs; every value 0 (q - 32 = -32 everywhere) tests the offset's correction alone, and a
     * row of 63, 15, 48 and 0 by turns of 32 mixes them. Scales at 127 and -128.
     */
    @ParameterizedTest
    @ValueSource(ints = {256, 1536})
    void q6kDotSumsHoldTheirLargestValues(int cols) {
        GgmlType type = GgmlType.Q6_K;
        int rows = 4;
        MemorySegment w = Arena.ofAuto().allocate(type.rowBytes(cols) * rows);
        for (long bo = 0; bo < w.byteSize(); bo += 210) {
            long row = bo / type.rowBytes(cols);
            for (int i = 0; i < 192; i++) { // ql and qh: all bits set (63), none (0), or 63, 15, 48, 0 by turns
                int bits = row == 0 || row == 3 ? 0xFF : row == 1 ? 0 : 0x0F;
                w.set(ValueLayout.JAVA_BYTE, bo + i, (byte) (i >= 128 && row == 2 ? 0x33 : bits));
            }
            for (int j = 0; j < 16; j++) {
                w.set(ValueLayout.JAVA_BYTE, bo + 192 + j, (byte) (row == 3 ? -128 : 127));
            }
            w.set(Kernels.LE_SHORT, bo + 208, Float.floatToFloat16(0.01f));
        }
        float[] x = new float[2 * cols];
        for (int i = 0; i < cols; i++) {
            // Q8_K maps the value of largest magnitude (the first such) to -127: all equal gives -127 everywhere, a
            // first value of the other sign +127 for all the rest
            x[i] = 1.5f;
            x[cols + i] = i % 256 == 0 ? -2f : 2f;
        }
        QuantizedActivations a = new QuantizedActivations();
        VECTOR.prepare(type, x, 2, cols, a);
        assertThat(a.q[0]).isEqualTo((byte) -127);
        assertThat(a.q[cols + 1]).isEqualTo((byte) 127);
        assertOneTokenDotsExact(type, w, a, rows, 2, cols);
        float[] dq = new float[cols];
        Kernels.dequantizeRow(type, w, 0, dq, 0, cols);
        assertThat(dq[0]).isEqualTo(0.01f * 127 * 31, org.assertj.core.data.Offset.offset(0.01f)); // d rounded to f16
    }

    /**
     * The Q4_K prefill kernel sums 32 products of centred four-bit values ({@code q - 8}) in an int16 lane: with every
     * value 0 (-8), every scale and min 63 and the activations at +-127, its sums reach 32 x 8 x 127 = 32512 (int16
     * holds 32767), both signs; with every value 15 (+7), 28448. Any overflow would be far off the exact product.
     */
    @ParameterizedTest
    @ValueSource(ints = {0x00, 0xFF})
    void q4kPrefillSumsHoldTheirLargestValues(int nibbles) {
        GgmlType type = GgmlType.Q4_K;
        int rows = VectorKernels.PANEL;
        int cols = 512;
        int tokens = VectorKernels.PAIR_TOKENS + 1;
        MemorySegment w = Arena.ofAuto().allocate(type.rowBytes(cols) * rows);
        for (long bo = 0; bo < w.byteSize(); bo += 144) {
            w.set(Kernels.LE_SHORT, bo, Float.floatToFloat16(0.01f)); // d
            w.set(Kernels.LE_SHORT, bo + 2, Float.floatToFloat16(0.02f)); // dmin
            for (int j = 0; j < 4; j++) {
                w.set(ValueLayout.JAVA_BYTE, bo + 4 + j, (byte) 0xFF); // scales 0-3: 63; top bits of 4-7: 3
                w.set(ValueLayout.JAVA_BYTE, bo + 8 + j, (byte) 0xFF); // mins 0-3: 63; top bits of 4-7: 3
                w.set(ValueLayout.JAVA_BYTE, bo + 12 + j, (byte) 0xFF); // low bits of scales and mins 4-7: 15
            }
            for (int i = 0; i < 128; i++) {
                w.set(ValueLayout.JAVA_BYTE, bo + 16 + i, (byte) nibbles);
            }
        }
        float[] x = new float[tokens * cols];
        for (int t = 0; t < tokens; t++) {
            for (int i = 0; i < cols; i++) {
                // Q8_K maps the value of largest magnitude (the first such) to -127: all equal gives -127 everywhere,
                // a first value of the other sign +127 for all the rest
                x[t * cols + i] = t % 2 == 0 ? 1.5f : (i % 256 == 0 ? -2f : 2f);
            }
        }
        QuantizedActivations a = new QuantizedActivations();
        VECTOR.prepare(type, x, tokens, cols, a);
        assertThat(a.packedType).isEqualTo(type);
        assertThat(a.q[0]).isEqualTo((byte) -127);
        assertThat(a.q[cols + 1]).isEqualTo((byte) 127);
        float[] out = new float[tokens * rows];
        VECTOR.matRows(type, w, type.rowBytes(cols), 0, rows, a, tokens, cols, out, rows, null);
        float[] dq = new float[cols];
        float[] xq = dequantizeActivations(type, a, tokens, cols);
        for (int r = 0; r < rows; r++) {
            Kernels.dequantizeRow(type, w, r * type.rowBytes(cols), dq, 0, cols);
            assertThat(dq[0]).isEqualTo(0.01f * 63 * (nibbles & 15) - 0.02f * 63, // d and dmin rounded to f16
                    org.assertj.core.data.Offset.offset(0.01f));
            for (int t = 0; t < tokens; t++) {
                double[] exact = exactDot(dq, xq, t, cols);
                assertThat((double) out[t * rows + r]).as("row %d token %d", r, t)
                        .isCloseTo(exact[0], org.assertj.core.data.Offset.offset(1e-5 * exact[1]));
            }
        }
    }

    /**
     * The vector Q8_K quantization gives the scalar one's bytes, scales and sums exactly: random blocks, and blocks
     * made to hit its edges (all zero, the largest magnitude twice with both signs, values that scale to exact halves,
     * an infinity, a NaN, a lone tiny value, the largest magnitude in the last lane).
     */
    @Test
    void vectorQ8KQuantizationIsTheScalarOneBitForBit() {
        int blocks = 40;
        float[] x = randomFloats(256 * blocks, 31);
        java.util.Arrays.fill(x, 0, 256, 0f); // block 0: all zero
        x[256 + 3] = -4f; // block 1: -4 first, then +4: the first decides the sign of the scale
        x[256 + 10] = 4f;
        for (int j = 0; j < 256; j++) { // block 2: max -127 scales by 1, so k + 0.5 meets rint's ties to even
            x[512 + j] = j == 0 ? -127f : (j % 50) - 24.5f;
        }
        x[768 + 7] = Float.POSITIVE_INFINITY; // block 3
        x[1024 + 9] = Float.NaN; // block 4
        java.util.Arrays.fill(x, 1280, 1536, 0f); // block 5: one tiny value
        x[1280 + 200] = -1e-30f;
        x[1536 + 255] = -9f; // block 6: the largest magnitude in the last lane
        QuantizedActivations scalar = new QuantizedActivations();
        QuantizedActivations vector = new QuantizedActivations();
        SCALAR.prepare(GgmlType.Q4_K, x, blocks, 256, scalar);
        for (int i = 0; i < 3000; i++) { // the last calls run C2's code, whose conversions must keep Java's semantics
            VECTOR.prepare(GgmlType.Q4_K, x, blocks, 256, vector);
        }
        for (int b = 0; b < blocks; b++) {
            assertThat(java.util.Arrays.copyOfRange(vector.q, 256 * b, 256 * b + 256)).as("block %d values", b)
                    .isEqualTo(java.util.Arrays.copyOfRange(scalar.q, 256 * b, 256 * b + 256));
            assertThat(Float.floatToRawIntBits(vector.d[b])).as("block %d scale", b)
                    .isEqualTo(Float.floatToRawIntBits(scalar.d[b]));
            assertThat(java.util.Arrays.copyOfRange(vector.bsums, 16 * b, 16 * b + 16)).as("block %d sums", b)
                    .isEqualTo(java.util.Arrays.copyOfRange(scalar.bsums, 16 * b, 16 * b + 16));
        }
    }

    /**
     * The AVX-512 Q4_K and Q6_K kernels' activations: each super-block of the int16 values permuted by its table, the
     * vectors named by its folds less 256 times their partners (modulo 2^16).
     */
    @ParameterizedTest
    @EnumSource(value = GgmlType.class, names = {"Q4_K", "Q6_K"})
    void kQuantActivationsArePermutedAsTheVectorKernelReadsThem(GgmlType type) {
        int[] table = type == GgmlType.Q4_K ? VectorKernels.Q4K_ACT : VectorKernels.Q6K_ACT;
        int rows = 3;
        int cols = 768;
        QuantizedActivations a = new QuantizedActivations();
        VECTOR.prepare(type, randomFloats(rows * cols, 21), rows, cols, a);
        java.util.Set<Integer> seen = new java.util.HashSet<>();
        for (int i = 0; i < 256; i++) {
            seen.add(table[i]);
        }
        assertThat(seen).as("a permutation").hasSize(256).allMatch(v -> v >= 0 && v < 256);
        int[] folds = type == GgmlType.Q4_K ? VectorKernels.Q4K_FOLDS : VectorKernels.Q6K_FOLDS;
        int[] foldedFrom = new int[8];
        java.util.Arrays.fill(foldedFrom, -1);
        for (int f = 0; f < folds.length; f += 2) {
            foldedFrom[folds[f]] = folds[f + 1];
        }
        for (int base = 0; base < rows * cols; base += 256) {
            for (int i = 0; i < 256; i++) {
                // a folded vector's lane holds its value less 256 times the same lane of the vector it is folded with
                int from = foldedFrom[i / 32];
                short expected = (short) (a.q16[base + table[i]]
                        - (from < 0 ? 0 : 256 * a.q16[base + table[32 * from + i % 32]]));
                assertThat(a.q16p[base + i]).as("position %d", base + i).isEqualTo(expected);
            }
        }
    }

    /**
     * A dequantized row {@code dq} dotted with token t of {@code xq} in double: the sum, and the sum of the products'
     * magnitudes (plus 1e-6), which the kernels' tolerances are relative to.
     */
    static double[] exactDot(float[] dq, float[] xq, int t, int cols) {
        double ref = 0;
        double mag = 1e-6;
        for (int i = 0; i < cols; i++) {
            ref += (double) dq[i] * xq[t * cols + i];
            mag += Math.abs((double) dq[i] * xq[t * cols + i]);
        }
        return new double[] {ref, mag};
    }

    /** All {@code tokens} rows of the activations as the integer kernels see them. */
    static float[] dequantizeActivations(GgmlType type, QuantizedActivations a, int tokens, int cols) {
        float[] xq = new float[tokens * cols];
        for (int t = 0; t < tokens; t++) {
            dequantizeActivations(type, a, t, cols, xq);
        }
        return xq;
    }

    /** The activations as the integer kernels see them. */
    static void dequantizeActivations(GgmlType type, QuantizedActivations a, int t, int cols, float[] out) {
        for (int i = 0; i < cols; i++) {
            int g = t * cols + i;
            out[g] = switch (type) {
                case F32, F16, BF16 -> a.f[g];
                case Q8_0, Q4_0 -> a.q[g] * a.d[g / 32];
                default -> a.q[g] * a.d[g / 256];
            };
        }
    }

    @ParameterizedTest
    @EnumSource(value = GgmlType.class, names = {"Q8_0", "Q4_K"})
    void activationQuantizationIsCloseAndSumsAreRight(GgmlType type) {
        int cols = 512;
        float[] x = randomFloats(cols, 11);
        QuantizedActivations a = new QuantizedActivations();
        SCALAR.prepare(type, x, 1, cols, a);
        float[] back = new float[cols];
        dequantizeActivations(type, a, 0, cols, back);
        for (int i = 0; i < cols; i++) {
            assertThat(back[i]).isCloseTo(x[i], org.assertj.core.data.Offset.offset(0.1f));
        }
        if (type == GgmlType.Q4_K) {
            for (int j = 0; j < cols / 16; j++) {
                int s = 0;
                for (int l = 0; l < 16; l++) {
                    s += a.q[16 * j + l];
                }
                assertThat(a.bsums[j]).isEqualTo(s);
            }
        }
    }

    @ParameterizedTest
    @CsvSource({"q8_0,Q8_0", "q4_k,Q4_K", "q6_k,Q6_K", "f16,F16", "bf16,BF16"})
    void dequantizersMatchGgmlBitForBit(String file, GgmlType type) throws IOException {
        byte[] blocks = Files.readAllBytes(VECTORS.resolve(file + ".blocks.bin"));
        float[] expected = floats(Files.readAllBytes(VECTORS.resolve(file + ".expected.f32")));
        MemorySegment seg = MemorySegment.ofArray(blocks);
        float[] got = new float[expected.length];
        Kernels.dequantizeRow(type, seg, 0, got, 0, expected.length);
        for (int i = 0; i < expected.length; i++) {
            assertThat(Float.floatToRawIntBits(got[i])).as("%s value %d", type, i)
                    .isEqualTo(Float.floatToRawIntBits(expected[i]));
        }
    }

    @ParameterizedTest
    @CsvSource({"1", "15", "16", "33", "128"})
    void floatHelpersMatch(int n) {
        float[] a = randomFloats(n + 3, 1);
        float[] b = randomFloats(n + 5, 2);
        assertThat(VECTOR.dot(a, 3, b, 5, n)).isCloseTo(SCALAR.dot(a, 3, b, 5, n),
                org.assertj.core.data.Offset.offset(1e-4f * n));
        float[] y1 = randomFloats(n, 9);
        float[] y2 = y1.clone();
        SCALAR.axpy(0.7f, a, 3, y1, 0, n);
        VECTOR.axpy(0.7f, a, 3, y2, 0, n);
        for (int i = 0; i < n; i++) {
            assertThat(y2[i]).isCloseTo(y1[i], org.assertj.core.data.Offset.offset(1e-5f));
        }
    }

    /** The AVX-512 ("vector") or the portable kernels, for the helpers both must give bit-exactly. */
    static Kernels kernels(String name) {
        return name.equals("portable") ? PORTABLE : VECTOR;
    }

    @ParameterizedTest
    @CsvSource({"64,vector", "128,vector", "256,vector", "96,vector", "64,portable", "256,portable", "96,portable"})
    void ggmlOrderDotIsBitExactBetweenTwins(int n, String kernels) {
        float[] a = randomFloats(n + 3, 5);
        float[] b = randomFloats(n + 5, 6);
        float s = SCALAR.dotGgmlF16Order(a, 3, b, 5, n);
        float v = kernels(kernels).dotGgmlF16Order(a, 3, b, 5, n);
        if (n % 64 == 0) {
            assertThat(Float.floatToRawIntBits(v)).isEqualTo(Float.floatToRawIntBits(s));
        }
        assertThat(v).isCloseTo(SCALAR.dot(a, 3, b, 5, n), org.assertj.core.data.Offset.offset(1e-4f * n));
    }

    /**
     * The vector f16 rounding (scaleF16 by 1) against Float.floatToFloat16 for every exponent up to f16's largest
     * value, with ties, values next to ties, f16 subnormals, float subnormals and signed zeros.
     */
    @ParameterizedTest
    @ValueSource(strings = {"vector", "portable"})
    void vectorF16RoundingMatchesTheJdkForEveryExponent(String kernels) {
        SplittableRandom r = new SplittableRandom(16);
        float[] x = new float[16];
        float[] out = new float[16];
        for (int biased = 0; biased <= 127 + 15; biased++) {
            for (int round = 0; round < 64; round++) {
                for (int l = 0; l < 16; l++) {
                    int mantissa = switch (l) {
                        case 0 -> 0;
                        case 1 -> 0x1000; // a tie at f16 precision (bit 12 set, nothing below)
                        case 2 -> 0x3000; // a tie with the kept bit odd
                        case 3 -> 0x0FFF;
                        case 4 -> 0x1001;
                        default -> r.nextInt(1 << 23);
                    };
                    int sign = r.nextBoolean() ? 0x80000000 : 0;
                    x[l] = Math.min(65504f, Float.intBitsToFloat(sign | biased << 23 | mantissa));
                    if (sign != 0) {
                        x[l] = Math.max(-65504f, x[l]);
                    }
                }
                System.arraycopy(x, 0, out, 0, 16);
                kernels(kernels).scaleF16(out, 1f, 16); // the vector loop's rounding of fma(x, 1, -0) = x
                for (int l = 0; l < 16; l++) {
                    int bits = Float.floatToRawIntBits(x[l]);
                    assertThat(Float.floatToRawIntBits(out[l])).as("%s (bits %08x)", x[l], bits)
                            .isEqualTo(Float.floatToRawIntBits(Fp.roundF16(x[l])));
                }
            }
        }
    }

    @ParameterizedTest
    @CsvSource({"16,vector", "128,vector", "37,vector", "16,portable", "37,portable"})
    void f16AccumulatorOpsAreBitExactBetweenTwins(int n, String kernels) {
        Kernels vector = kernels(kernels);
        SplittableRandom r = new SplittableRandom(n);
        for (int round = 0; round < 200; round++) {
            float[] acc = new float[n];
            float[] v = new float[n + 2];
            double scale = Math.pow(10, r.nextInt(-9, 3)); // include f16 subnormal magnitudes
            for (int i = 0; i < n; i++) {
                acc[i] = Fp.roundF16((float) (r.nextGaussian() * scale));
                v[i + 2] = Fp.roundF16((float) (r.nextGaussian() * scale));
            }
            float s = (float) r.nextDouble();
            float[] a1 = acc.clone();
            float[] a2 = acc.clone();
            SCALAR.madF16(a1, v, 2, s, n);
            vector.madF16(a2, v, 2, s, n);
            SCALAR.scaleF16(a1, s, n);
            vector.scaleF16(a2, s, n);
            for (int i = 0; i < n; i++) {
                assertThat(Float.floatToRawIntBits(a2[i])).as("lane %d of %s", i, a1[i])
                        .isEqualTo(Float.floatToRawIntBits(a1[i]));
            }
        }
        MemorySegment f16 = randomRows(GgmlType.F16, 1, n, 3);
        float[] d1 = new float[n];
        float[] d2 = new float[n];
        SCALAR.f16ToFloat(f16, 0, d1, 0, n);
        vector.f16ToFloat(f16, 0, d2, 0, n);
        assertThat(d2).containsExactly(d1);
    }

    /** The portable kernels' f16 decoding (the KV cache's) for all 65536 bit patterns. */
    @Test
    void portableF16ConversionIsExactForEveryBitPattern() {
        MemorySegment all = java.lang.foreign.Arena.ofAuto().allocate(2 * 65536);
        for (int i = 0; i < 65536; i++) {
            all.set(Kernels.LE_SHORT, 2L * i, (short) i);
        }
        float[] got = new float[65536];
        PORTABLE.f16ToFloat(all, 0, got, 0, 65536);
        for (int i = 0; i < 65536; i++) {
            float want = Float.float16ToFloat((short) i);
            if (Float.isNaN(want)) {
                assertThat(got[i]).isNaN();
            } else {
                assertThat(Float.floatToRawIntBits(got[i])).as("f16 bits %x", i)
                        .isEqualTo(Float.floatToRawIntBits(want));
            }
        }
    }

    @ParameterizedTest
    @CsvSource({"0", "1", "2"})
    void f16VectorConversionIsExactForEveryBitPattern(int part) {
        short[] all = new short[16];
        for (int base = part * 21846; base < Math.min(65536, (part + 1) * 21846); base += 16) {
            for (int i = 0; i < 16; i++) {
                all[i] = (short) Math.min(65535, base + i);
            }
            float[] got = new float[16];
            VectorKernels.f16ToFloat(jdk.incubator.vector.ShortVector.fromArray(
                    jdk.incubator.vector.ShortVector.SPECIES_256, all, 0)).intoArray(got, 0);
            for (int i = 0; i < 16; i++) {
                float want = Float.float16ToFloat(all[i]);
                if (Float.isNaN(want)) {
                    assertThat(got[i]).isNaN();
                } else {
                    assertThat(Float.floatToRawIntBits(got[i])).as("f16 bits %x", all[i])
                            .isEqualTo(Float.floatToRawIntBits(want));
                }
            }
        }
    }

    static float[] floats(byte[] bytes) {
        float[] f = new float[bytes.length / 4];
        ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().get(f);
        return f;
    }

    @Test
    void siluExponentialIsWithinTwoUlpOfTheJdkOverItsRange() {
        int worst = 0;
        float at = 0;
        // every 97th float from -87 to 88.3, both signs and all exponents in between
        for (float z = Kernels.EXP_MIN; z <= 88.3f; z = Math.nextUp(z) + Math.ulp(z) * 96) {
            float ours = Kernels.expSilu(z);
            float jdk = (float) Math.exp(z);
            int ulps = Math.abs(Float.floatToRawIntBits(ours) - Float.floatToRawIntBits(jdk));
            if (ulps > worst) {
                worst = ulps;
                at = z;
            }
        }
        assertThat(worst).as("worst at z = %s", at).isLessThanOrEqualTo(2);
        assertThat(Kernels.expSilu(0f)).isEqualTo(1f);
        assertThat(Kernels.expSilu(88.5f)).isEqualTo(Kernels.expSilu(1000f)).isEqualTo(Float.POSITIVE_INFINITY);
        assertThat(Kernels.expSilu(-1000f)).isEqualTo(Kernels.expSilu(Kernels.EXP_MIN)).isPositive();
        assertThat(Kernels.expSilu(Float.NaN)).isNaN();
    }

    @ParameterizedTest
    @CsvSource({"0", "1", "15", "16", "17", "47", "1000"})
    void swigluIsBitExactBetweenTwinsAndCloseToTheDefinition(int n) {
        float[] gate = randomFloats(n, 11 + n);
        float[] up = randomFloats(n, 12 + n);
        float[] special = {0f, -0f, 90f, -90f, 88f, -87f, 1e-30f, -1e-30f, Float.MAX_VALUE, -Float.MAX_VALUE,
                Float.POSITIVE_INFINITY, Float.NaN};
        for (int i = 0; i < n; i++) {
            if (i % 5 == 0) {
                gate[i] = special[(i / 5) % special.length];
            } else {
                gate[i] *= 10;
            }
        }
        float[] outS = new float[n];
        float[] outV = new float[n];
        SCALAR.swiglu(gate, up, outS, n);
        VECTOR.swiglu(gate, up, outV, n);
        float[] pieces = new float[n]; // as the backend splits it over threads: ranges starting off the vector width
        for (int from = 0, step = 21; from < n; from += step, step += 16) {
            VECTOR.swiglu(gate, up, pieces, from, Math.min(n, from + step));
        }
        for (int i = 0; i < n; i++) {
            assertThat(Float.floatToIntBits(outV[i])).as("value %d, gate %s", i, gate[i])
                    .isEqualTo(Float.floatToIntBits(outS[i]));
            assertThat(Float.floatToIntBits(pieces[i])).as("value %d in pieces", i)
                    .isEqualTo(Float.floatToIntBits(outS[i]));
            float ref = gate[i] / (1f + (float) Math.exp(-gate[i])) * up[i];
            if (Float.isFinite(ref)) {
                assertThat(outS[i]).as("value %d, gate %s", i, gate[i])
                        .isCloseTo(ref, org.assertj.core.data.Offset.offset(1e-6f * Math.abs(ref) + 1e-30f));
            } else { // infinities and NaN as the definition gives them
                assertThat(Float.floatToIntBits(outS[i])).as("value %d, gate %s", i, gate[i])
                        .isEqualTo(Float.floatToIntBits(ref));
            }
        }
    }
}
