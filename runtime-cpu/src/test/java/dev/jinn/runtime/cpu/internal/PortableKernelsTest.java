package dev.jinn.runtime.cpu.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.offset;

import dev.jinn.quant.GgmlType;
import java.lang.foreign.MemorySegment;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The portable (128/256-bit) kernels against the scalar twin on seeded random data. Their float sums run in another
 * order, so the bound is relative to the sum of the products' magnitudes, as for the AVX-512 kernels' inexact codecs.
 * Runs at the width {@link PortableKernels#BITS} this JVM gives (256 here; 128 in the portable-128 execution).
 */
class PortableKernelsTest {
    private static final Kernels SCALAR = KernelsTest.SCALAR;
    private static final Kernels PORTABLE = KernelsTest.PORTABLE;

    @Test
    void widthIsOneThePortableKernelsSupport() {
        assertThat(PortableKernels.BITS).isIn(128, 256);
        assertThat(PORTABLE.name()).isEqualTo("portable-" + PortableKernels.BITS);
    }

    @ParameterizedTest
    @CsvSource({"F32,1", "F32,15", "F32,17", "F32,100", "F16,33", "BF16,7", "BF16,48", "BF16,129", "Q8_0,32",
            "Q8_0,224", "Q4_0,32", "Q4_0,160", "Q4_K,256", "Q4_K,768", "Q5_K,256", "Q6_K,256", "Q6_K,768"})
    void dotMatchesScalarTwin(GgmlType type, int cols) {
        int rows = 5;
        int tokens = 3;
        MemorySegment w = KernelsTest.randomRows(type, rows, cols, 42 + cols);
        float[] x = KernelsTest.randomFloats(tokens * cols, 7 + cols);
        QuantizedActivations a = new QuantizedActivations();
        SCALAR.prepare(type, x, tokens, cols, a);
        QuantizedActivations ap = new QuantizedActivations();
        PORTABLE.prepare(type, x, tokens, cols, ap);
        float[] dq = new float[cols];
        float[] xq = new float[tokens * cols];
        for (int t = 0; t < tokens; t++) {
            KernelsTest.dequantizeActivations(type, a, t, cols, xq);
        }
        float[] bias = KernelsTest.randomFloats(rows, 3);
        float[] out = new float[tokens * rows];
        PORTABLE.matRows(type, w, type.rowBytes(cols), 0, rows, ap, tokens, cols, out, rows, bias);
        for (int r = 0; r < rows; r++) {
            long off = r * type.rowBytes(cols);
            Kernels.dequantizeRow(type, w, off, dq, 0, cols);
            for (int t = 0; t < tokens; t++) {
                double mag = 1e-6;
                for (int i = 0; i < cols; i++) {
                    mag += Math.abs((double) dq[i] * xq[t * cols + i]);
                }
                float scalar = SCALAR.dot(type, w, off, a, t, cols);
                float portable = PORTABLE.dot(type, w, off, ap, t, cols);
                assertThat((double) portable).as("%s row %d token %d", type, r, t)
                        .isCloseTo(scalar, offset(1e-5 * mag));
                assertThat(out[t * rows + r]).as("%s mat-mul row %d token %d", type, r, t)
                        .isEqualTo(portable + bias[r]);
            }
        }
    }

    /** Prefill takes tokens in pairs: bit-identical to one token at a time, from a row other than 0, without a bias. */
    @ParameterizedTest
    @CsvSource({"Q4_K,512", "Q6_K,512", "Q8_0,96"})
    void batchedPrefillEqualsOneTokenKernelsExactly(GgmlType type, int cols) {
        int rows = 6;
        int tokens = 5;
        MemorySegment w = KernelsTest.randomRows(type, rows, cols, 3 + cols);
        QuantizedActivations a = new QuantizedActivations();
        PORTABLE.prepare(type, KernelsTest.randomFloats(tokens * cols, 5 + cols), tokens, cols, a);
        float[] out = new float[tokens * rows];
        PORTABLE.matRows(type, w, type.rowBytes(cols), 2, rows, a, tokens, cols, out, rows, null);
        for (int r = 0; r < rows; r++) {
            for (int t = 0; t < tokens; t++) {
                float expect = r < 2 ? 0 : PORTABLE.dot(type, w, r * type.rowBytes(cols), a, t, cols) + 0;
                assertThat(out[t * rows + r]).as("%s row %d token %d", type, r, t).isEqualTo(expect);
            }
        }
    }

    /**
     * Weights and activations at the ends of their ranges, where int16 sums would overflow first: every weight value
     * byte set to {@code fill}, every activation the block maximum (int8 127).
     */
    @ParameterizedTest
    @CsvSource({"Q8_0,2,32,-128", "Q8_0,2,32,127", "Q4_0,2,16,0", "Q4_0,2,16,-1", "Q4_K,16,128,-1", "Q6_K,0,192,-1",
            "Q6_K,0,192,0"})
    void extremeValuesDoNotOverflow(GgmlType type, int from, int count, int fill) {
        int rows = 3;
        int cols = 512;
        MemorySegment w = KernelsTest.randomRows(type, rows, cols, 77);
        long blocks = w.byteSize() / type.blockBytes();
        for (long b = 0; b < blocks; b++) {
            w.asSlice(b * type.blockBytes() + from, count).fill((byte) fill);
        }
        float[] x = new float[cols];
        java.util.Arrays.fill(x, 0.5f);
        QuantizedActivations a = new QuantizedActivations();
        SCALAR.prepare(type, x, 1, cols, a);
        QuantizedActivations ap = new QuantizedActivations();
        PORTABLE.prepare(type, x, 1, cols, ap);
        for (int r = 0; r < rows; r++) {
            long off = r * type.rowBytes(cols);
            float scalar = SCALAR.dot(type, w, off, a, 0, cols);
            assertThat((double) PORTABLE.dot(type, w, off, ap, 0, cols)).as("%s row %d", type, r)
                    .isCloseTo(scalar, offset(1e-5 * (1e-6 + Math.abs(scalar))));
        }
    }

    @ParameterizedTest
    @ValueSource(ints = {1, 3, 8, 17, 64, 1000})
    void floatHelpersMatch(int n) {
        float[] a = KernelsTest.randomFloats(n + 3, 1);
        float[] b = KernelsTest.randomFloats(n + 5, 2);
        double mag = 1e-6;
        for (int i = 0; i < n; i++) {
            mag += Math.abs((double) a[3 + i] * b[5 + i]);
        }
        assertThat((double) PORTABLE.dot(a, 3, b, 5, n)).isCloseTo(SCALAR.dot(a, 3, b, 5, n), offset(1e-6 * mag));
        float[] y1 = KernelsTest.randomFloats(n + 2, 4);
        float[] y2 = y1.clone();
        SCALAR.axpy(0.37f, a, 3, y1, 2, n);
        PORTABLE.axpy(0.37f, a, 3, y2, 2, n);
        for (int i = 0; i < y1.length; i++) {
            assertThat(y2[i]).as("axpy %d", i).isCloseTo(y1[i], offset(1e-6f * (1 + Math.abs(y1[i]))));
        }
    }
}
