package dev.jinn.runtime.cpu.internal;

import dev.jinn.quant.GgmlType;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

/**
 * The CPU kernels: dot products of one encoded weight row with prepared activations, row dequantization, and the
 * float helpers attention needs. {@link ScalarKernels} is the specification; {@link VectorKernels} the fast twin.
 * Stateless and thread-safe.
 */
public abstract class Kernels {
    static final ValueLayout.OfShort LE_SHORT = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    static final ValueLayout.OfFloat LE_FLOAT = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    public abstract String name();

    /** True for the types {@link #dot} handles. */
    public static boolean supports(GgmlType type) {
        return switch (type) {
            case F32, F16, BF16, Q8_0, Q4_0, Q4_K, Q5_K, Q6_K -> true;
            default -> false;
        };
    }

    /**
     * {@code out[i] = silu(gate[i]) * up[i] = x / (1 + exp(-x)) * u} for {@code n} values, with {@link #expSilu} for
     * the exponential. {@link VectorKernels} does the same operations sixteen lanes at a time, so both give the same
     * bits.
     */
    public final void swiglu(float[] gate, float[] up, float[] out, int n) {
        swiglu(gate, up, out, 0, n);
    }

    /**
     * {@link #swiglu(float[], float[], float[], int)} for values {@code from} to {@code to} (exclusive), with the
     * same bits for each value whatever the range (the backend splits large ones over its threads).
     */
    public void swiglu(float[] gate, float[] up, float[] out, int from, int to) {
        swigluScalar(gate, up, out, from, to);
    }

    /** {@link #swiglu(float[], float[], float[], int, int)}, one value at a time. */
    static void swigluScalar(float[] gate, float[] up, float[] out, int from, int to) {
        for (int i = from; i < to; i++) {
            float x = gate[i];
            out[i] = x / (1.0f + expSilu(-x)) * up[i];
        }
    }

    static final float EXP_MIN = -87f;
    static final float EXP_MAX = 89f;
    static final float LOG2E = 1.44269504f;
    /** 1.5 * 2^23: adding it rounds a float below 2^22 in magnitude to an integer, kept in the low mantissa bits. */
    static final float ROUND_MAGIC = 12582912f;
    /** ln 2 in two parts (Cody and Waite): the first has nine significant bits, so n * LN2_HI is exact. */
    static final float LN2_HI = 0.693359375f;
    static final float LN2_LO = -2.12194440e-4f;
    static final float[] EXP_TAYLOR = {1f / 5040, 1f / 720, 1f / 120, 1f / 24, 1f / 6, 1f / 2, 1f, 1f};

    /**
     * exp(z) within 2 ulp for z in [-87, 88.3], for silu: z is clamped to [-87, 89] first, below which 1 + exp(z) is
     * 1 anyway, and from about 88.4 on the result is +infinity (2^128 in the exponent bits), as a float's exp is from
     * 88.73. Only IEEE operations (fused multiply-add, multiply, subtract, integer bits), so the result is the same
     * in the interpreter, C1 and C2, and the same as {@link VectorKernels#swiglu}'s lanes; the Vector API's own EXP
     * is a different function once C2 compiles it (a one-ulp difference in 0.6% of inputs), which would make logits
     * depend on the JIT's state. z = n ln2 + r with |r| <= ln2 / 2; exp(r) by its Taylor polynomial of degree 7
     * (truncation below 0.05 ulp); 2^n built in the exponent bits.
     */
    static float expSilu(float z) {
        float c = Math.max(EXP_MIN, Math.min(EXP_MAX, z));
        float t = Math.fma(c, LOG2E, ROUND_MAGIC);
        float n = t - ROUND_MAGIC;
        float r = Math.fma(-n, LN2_HI, c);
        r = Math.fma(-n, LN2_LO, r);
        float p = EXP_TAYLOR[0];
        for (int k = 1; k < EXP_TAYLOR.length; k++) {
            p = Math.fma(p, r, EXP_TAYLOR[k]);
        }
        // the low bits of t hold n (ROUND_MAGIC's low 22 mantissa bits are zero); (n + 127) << 23 is 2^n
        return p * Float.intBitsToFloat((Float.floatToRawIntBits(t) + 127) << 23);
    }

    /**
     * Runs {@code body.accept(i)} for every {@code i < tasks}, perhaps on several threads, and returns when all are
     * done (the backend passes its worker pool's parallelFor).
     */
    @FunctionalInterface
    public interface Loop {
        void run(int tasks, java.util.function.IntConsumer body);
    }

    /** A {@link Loop} on the calling thread. */
    public static final Loop INLINE = (tasks, body) -> {
        for (int i = 0; i < tasks; i++) {
            body.accept(i);
        }
    };

    /** Rows of activations per task when {@link #prepare} runs on several threads. */
    static final int PREPARE_ROWS_PER_TASK = 16;

    /** Prepares {@code rows} activation rows of {@code cols} values from {@code x} for weights of {@code type}. */
    public final void prepare(GgmlType type, float[] x, int rows, int cols, QuantizedActivations a) {
        prepare(type, x, rows, cols, a, INLINE);
    }

    /**
     * {@link #prepare(GgmlType, float[], int, int, QuantizedActivations)} with its per-row work spread by
     * {@code loop}; the same values whatever the loop.
     */
    public void prepare(GgmlType type, float[] x, int rows, int cols, QuantizedActivations a, Loop loop) {
        prepare(type, x, rows, cols, a, true, loop);
    }

    /**
     * {@link #prepare}, with the row kernels' int16 layouts ({@link #buildRowLayouts}) only if {@code widen}: a
     * subclass whose batched kernel reads packed values of its own leaves them out, and a row kernel that runs on
     * these activations all the same builds them first ({@link #ensureRowLayouts}).
     */
    protected final void prepare(GgmlType type, float[] x, int rows, int cols, QuantizedActivations a,
                                 boolean widen, Loop loop) {
        int tasks = (rows + PREPARE_ROWS_PER_TASK - 1) / PREPARE_ROWS_PER_TASK;
        a.rowLayouts = false;
        a.preparedType = type;
        a.preparedRows = rows;
        a.preparedCols = cols;
        switch (type) {
            case F32 -> {
                a.ensureFloats(rows * cols);
                System.arraycopy(x, 0, a.f, 0, rows * cols);
            }
            case F16 -> {
                a.ensureFloats(rows * cols);
                for (int i = 0; i < rows * cols; i++) {
                    a.f[i] = Fp.roundF16(x[i]);
                }
            }
            case BF16 -> {
                a.ensureFloats(rows * cols);
                for (int i = 0; i < rows * cols; i++) {
                    a.f[i] = Fp.roundBf16(x[i]);
                }
            }
            case Q8_0, Q4_0 -> {
                a.ensureQuants(rows * cols, rows * cols / 32, 0);
                loop.run(tasks, t -> quantizeQ8_0(x, t * PREPARE_ROWS_PER_TASK * cols,
                        Math.min(rows, (t + 1) * PREPARE_ROWS_PER_TASK) * cols, a.q, a.d));
            }
            case Q4_K, Q5_K, Q6_K -> {
                a.ensureQuants(rows * cols, rows * cols / 256, rows * cols / 16);
                loop.run(tasks, t -> {
                    int from = t * PREPARE_ROWS_PER_TASK * cols;
                    int to = Math.min(rows, (t + 1) * PREPARE_ROWS_PER_TASK) * cols;
                    quantizeK(x, from, to, a.q, a.d, a.bsums);
                    for (int j = from / 32; j < to / 32; j++) {
                        a.bsum32[j] = a.bsums[2 * j] + a.bsums[2 * j + 1];
                    }
                });
            }
            default -> throw new IllegalArgumentException("no CPU kernel for " + type);
        }
        if (widen) {
            buildRowLayouts(a);
            a.rowLayouts = true;
        }
    }

    /**
     * Builds what the row kernels read beyond the quantized values, for the last preparation of {@code a}: the int16
     * copy {@code q16} of quantized types. Subclasses add their own layouts.
     */
    protected void buildRowLayouts(QuantizedActivations a) {
        switch (a.preparedType) {
            case Q8_0, Q4_0, Q4_K, Q5_K, Q6_K -> widen(a.q, a.q16, a.preparedRows * a.preparedCols);
            default -> { }
        }
    }

    /**
     * Builds the row kernels' layouts of activations prepared without them, once: the mat-mul workers may get here
     * together (only when a batched preparation is used token by token, which the backend never does).
     */
    protected final void ensureRowLayouts(QuantizedActivations a) {
        if (!a.rowLayouts) {
            synchronized (a) {
                if (!a.rowLayouts) {
                    buildRowLayouts(a);
                    a.rowLayouts = true;
                }
            }
        }
    }

    private static void widen(byte[] q, short[] q16, int n) {
        for (int i = 0; i < n; i++) {
            q16[i] = q[i];
        }
    }

    /**
     * llama.cpp's x86 quantize_row_q8_0: scale amax/127 stored as f16, values rint(x * 127/amax); values {@code from}
     * to {@code to}, multiples of 32.
     */
    static void quantizeQ8_0(float[] x, int from, int to, byte[] q, float[] d) {
        for (int b = from / 32; b < to / 32; b++) {
            float amax = 0;
            for (int j = 0; j < 32; j++) {
                amax = Math.max(amax, Math.abs(x[b * 32 + j]));
            }
            d[b] = Fp.roundF16(amax / 127.0f);
            float id = amax != 0 ? 127.0f / amax : 0.0f;
            for (int j = 0; j < 32; j++) {
                q[b * 32 + j] = (byte) (int) Math.rint(x[b * 32 + j] * id);
            }
        }
    }

    /**
     * The K-quants' activations as Q8_K ({@link #quantizeQ8KBlock}), values {@code from} to {@code to} (multiples of
     * 256); a subclass may do the same faster, with the same results bit for bit.
     */
    protected void quantizeK(float[] x, int from, int to, byte[] q, float[] d, int[] bsums) {
        for (int b = from / 256; b < to / 256; b++) {
            quantizeQ8KBlock(x, b, q, d, bsums);
        }
    }

    /**
     * Block {@code b} (values {@code 256 b} on) as ggml's quantize_row_q8_K_ref does it: scale from the signed value of
     * largest magnitude, 16-value sums.
     */
    static void quantizeQ8KBlock(float[] x, int b, byte[] q, float[] d, int[] bsums) {
        int base = b * 256;
        float max = 0;
        float amax = 0;
        for (int j = 0; j < 256; j++) {
            float ax = Math.abs(x[base + j]);
            if (ax > amax) {
                amax = ax;
                max = x[base + j];
            }
        }
        if (amax == 0) {
            d[b] = 0;
            for (int j = 0; j < 256; j++) {
                q[base + j] = 0;
            }
            for (int j = 0; j < 16; j++) {
                bsums[b * 16 + j] = 0;
            }
            return;
        }
        float iscale = -127.0f / max;
        for (int j = 0; j < 256; j++) {
            int v = (int) Math.rint(iscale * x[base + j]);
            q[base + j] = (byte) Math.min(127, v);
        }
        for (int j = 0; j < 16; j++) {
            int s = 0;
            for (int l = 0; l < 16; l++) {
                s += q[base + j * 16 + l];
            }
            bsums[b * 16 + j] = s;
        }
        d[b] = 1 / iscale;
    }

    /**
     * {@code out[t * outStride + r] = dot(w row r, activation row t) (+ bias[r])} for rows {@code r0..r1-1} and
     * tokens {@code t < n}. Rows outermost so a weight row is read from memory once for all tokens.
     */
    public void matRows(GgmlType type, MemorySegment w, long rowBytes, int r0, int r1, QuantizedActivations a,
                        int n, int cols, float[] out, int outStride, float[] bias) {
        RowDot kernel = rowDots[type.id()];
        if (kernel == null) {
            throw new IllegalArgumentException("no CPU kernel for " + type);
        }
        if (n > 1 && matRowsBatched(type, w, rowBytes, r0, r1, a, n, cols, out, outStride, bias)) {
            return;
        }
        ensureRowLayouts(a);
        if (n == 1 && matRowsOneToken(type, w, rowBytes, r0, r1, a, cols, out)) {
            for (int r = r0; bias != null && r < r1; r++) {
                out[r] += bias[r];
            }
            return;
        }
        for (int r = r0; r < r1; r++) {
            long off = r * rowBytes;
            float b = bias == null ? 0 : bias[r];
            for (int t = 0; t < n; t++) {
                out[t * outStride + r] = kernel.dot(w, off, a, t, cols) + b;
            }
        }
    }

    /**
     * A faster way to do {@link #matRows} for several tokens: the same sums as the one-token kernels, bit for bit
     * (PortableKernels) or up to float rounding (VectorKernels' panel kernels); false when this implementation has
     * none for {@code type} (the caller then goes token by token).
     */
    protected boolean matRowsBatched(GgmlType type, MemorySegment w, long rowBytes, int r0, int r1,
                                     QuantizedActivations a, int n, int cols, float[] out, int outStride,
                                     float[] bias) {
        return false;
    }

    /**
     * {@link #matRows} for one token without the bias: {@code out[r]} for rows {@code r0..r1-1} in one call, the same
     * sums as the one-token kernel row by row; false when this implementation has none for {@code type}.
     */
    protected boolean matRowsOneToken(GgmlType type, MemorySegment w, long rowBytes, int r0, int r1,
                                      QuantizedActivations a, int cols, float[] out) {
        return false;
    }

    /**
     * One codec's row kernel. matRows calls it through this interface on purpose: once a model uses several codecs
     * the call site is megamorphic, so the JIT compiles each kernel on its own instead of inlining them all into one
     * caller, where it runs out of inlining budget and boxes the vectors.
     */
    @FunctionalInterface
    private interface RowDot {
        float dot(MemorySegment w, long off, QuantizedActivations a, int row, int cols);
    }

    private final RowDot[] rowDots = new RowDot[GgmlType.BF16.id() + 1];

    {
        rowDots[GgmlType.F32.id()] = (w, off, a, row, cols) -> dotF32(w, off, a.f, row * cols, cols);
        rowDots[GgmlType.F16.id()] = (w, off, a, row, cols) -> dotF16(w, off, a.f, row * cols, cols);
        rowDots[GgmlType.BF16.id()] = (w, off, a, row, cols) -> dotBf16(w, off, a.f, row * cols, cols);
        rowDots[GgmlType.Q8_0.id()] = (w, off, a, row, cols) -> dotQ8_0(w, off, a, row * cols, cols);
        rowDots[GgmlType.Q4_0.id()] = (w, off, a, row, cols) -> dotQ4_0(w, off, a, row * cols, cols);
        rowDots[GgmlType.Q4_K.id()] = (w, off, a, row, cols) -> dotQ4K(w, off, a, row * cols, cols);
        rowDots[GgmlType.Q5_K.id()] = (w, off, a, row, cols) -> dotQ5K(w, off, a, row * cols, cols);
        rowDots[GgmlType.Q6_K.id()] = (w, off, a, row, cols) -> dotQ6K(w, off, a, row * cols, cols);
    }

    /** Dot product of the weight row at byte {@code off} with prepared activation row {@code row}. */
    public final float dot(GgmlType type, MemorySegment w, long off, QuantizedActivations a, int row, int cols) {
        ensureRowLayouts(a);
        return switch (type) {
            case F32 -> dotF32(w, off, a.f, row * cols, cols);
            case F16 -> dotF16(w, off, a.f, row * cols, cols);
            case BF16 -> dotBf16(w, off, a.f, row * cols, cols);
            case Q8_0 -> dotQ8_0(w, off, a, row * cols, cols);
            case Q4_0 -> dotQ4_0(w, off, a, row * cols, cols);
            case Q4_K -> dotQ4K(w, off, a, row * cols, cols);
            case Q5_K -> dotQ5K(w, off, a, row * cols, cols);
            case Q6_K -> dotQ6K(w, off, a, row * cols, cols);
            default -> throw new IllegalArgumentException("no CPU kernel for " + type);
        };
    }

    public abstract float dotF32(MemorySegment w, long off, float[] x, int xOff, int n);

    public abstract float dotF16(MemorySegment w, long off, float[] x, int xOff, int n);

    public abstract float dotBf16(MemorySegment w, long off, float[] x, int xOff, int n);

    /**
     * The quantized dot products take the activations {@link #prepare}d for their type; {@code xOff} counts values
     * (row t starts at {@code t * cols}), its block scales start at {@code xOff / 32} (Q8_0) or {@code xOff / 256}
     * (Q8_K).
     */
    public abstract float dotQ8_0(MemorySegment w, long off, QuantizedActivations a, int xOff, int n);

    public abstract float dotQ4_0(MemorySegment w, long off, QuantizedActivations a, int xOff, int n);

    public abstract float dotQ4K(MemorySegment w, long off, QuantizedActivations a, int xOff, int n);

    public abstract float dotQ5K(MemorySegment w, long off, QuantizedActivations a, int xOff, int n);

    public abstract float dotQ6K(MemorySegment w, long off, QuantizedActivations a, int xOff, int n);

    /** Sum of {@code a[aOff+i] * b[bOff+i]} for i < n. */
    public abstract float dot(float[] a, int aOff, float[] b, int bOff, int n);

    /**
     * The dot product in the order ggml's AVX-512 ggml_vec_dot_f16 uses when {@code n} is a multiple of 64 (four
     * 16-lane fused accumulators, reduced pairwise), else as {@link #dot(float[], int, float[], int, int)}. The
     * attention scores feed an f16 accumulator, so matching llama.cpp's rounding here keeps us on its numbers.
     */
    public float dotGgmlF16Order(float[] q, int qOff, float[] k, int kOff, int n) {
        if (n % 64 != 0) {
            return dot(q, qOff, k, kOff, n);
        }
        float[][] acc = new float[4][16];
        for (int i = 0; i < n; i += 64) {
            for (int j = 0; j < 4; j++) {
                for (int l = 0; l < 16; l++) {
                    int e = i + 16 * j + l;
                    acc[j][l] = Math.fma(k[kOff + e], q[qOff + e], acc[j][l]);
                }
            }
        }
        float[] v = new float[16];
        for (int l = 0; l < 16; l++) {
            v[l] = (acc[0][l] + acc[2][l]) + (acc[1][l] + acc[3][l]);
        }
        float[] a = new float[8];
        for (int l = 0; l < 8; l++) {
            a[l] = v[l] + v[l + 8];
        }
        return ((a[0] + a[4]) + (a[2] + a[6])) + ((a[1] + a[5]) + (a[3] + a[7]));
    }

    /** {@code acc[i] = f16(fma(v[vOff+i], s, acc[i]))}: ggml_vec_mad_f16 on an f16 accumulator held as floats. */
    public void madF16(float[] acc, float[] v, int vOff, float s, int n) {
        for (int i = 0; i < n; i++) {
            acc[i] = Fp.roundF16(Math.fma(v[vOff + i], s, acc[i]));
        }
    }

    /** {@code acc[i] = f16(acc[i] * s)}: ggml_vec_scale_f16. */
    public void scaleF16(float[] acc, float s, int n) {
        for (int i = 0; i < n; i++) {
            acc[i] = Fp.roundF16(acc[i] * s);
        }
    }

    /** Decodes {@code n} little-endian f16 values at byte {@code off} of {@code src}. */
    public void f16ToFloat(MemorySegment src, long off, float[] dst, int dstOff, int n) {
        for (int i = 0; i < n; i++) {
            dst[dstOff + i] = Float.float16ToFloat(src.get(LE_SHORT, off + 2L * i));
        }
    }

    /** {@code y[yOff+i] += s * x[xOff+i]} for i < n. */
    public abstract void axpy(float s, float[] x, int xOff, float[] y, int yOff, int n);

    /** Decodes {@code cols} values of the row at byte {@code off} (ggml's reference dequantizers). */
    public static void dequantizeRow(GgmlType type, MemorySegment w, long off, float[] dst, int dstOff, int cols) {
        ScalarKernels.dequantize(type, w, off, dst, dstOff, cols);
    }
}
