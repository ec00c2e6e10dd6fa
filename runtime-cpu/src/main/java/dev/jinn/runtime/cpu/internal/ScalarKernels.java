package dev.jinn.runtime.cpu.internal;

import dev.jinn.quant.GgmlType;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * Plain-Java kernels, one element at a time: the specification the vector kernels are tested against, and the
 * fallback when the JVM runs without {@code --add-modules jdk.incubator.vector}. Integer dot products follow
 * ggml's reference vec_dot functions (exact), float sums are in element order.
 */
public final class ScalarKernels extends Kernels {

    @Override
    public String name() {
        return "scalar";
    }

    static int u8(MemorySegment w, long off) {
        return w.get(ValueLayout.JAVA_BYTE, off) & 0xFF;
    }

    static float f16At(MemorySegment w, long off) {
        return Fp.f16(w.get(LE_SHORT, off));
    }

    @Override
    public float dotF32(MemorySegment w, long off, float[] x, int xOff, int n) {
        float s = 0;
        for (int i = 0; i < n; i++) {
            s += w.get(LE_FLOAT, off + 4L * i) * x[xOff + i];
        }
        return s;
    }

    @Override
    public float dotF16(MemorySegment w, long off, float[] x, int xOff, int n) {
        float s = 0;
        for (int i = 0; i < n; i++) {
            s += f16At(w, off + 2L * i) * x[xOff + i];
        }
        return s;
    }

    @Override
    public float dotBf16(MemorySegment w, long off, float[] x, int xOff, int n) {
        float s = 0;
        for (int i = 0; i < n; i++) {
            s += Fp.bf16(w.get(LE_SHORT, off + 2L * i)) * x[xOff + i];
        }
        return s;
    }

    /**
     * As ggml's AVX2/AVX-512 vec_dot_q8_0_q8_0 (and llamafile's tinyBLAS): eight float lanes, lane j accumulating
     * (d_w·d_x)·Σ of products 4j..4j+3 of every block with a fused multiply-add, then the lanes summed in
     * hsum_float_8's order. Matching this order keeps the next layer's int8 activations on llama.cpp's grid.
     */
    @Override
    public float dotQ8_0(MemorySegment w, long off, QuantizedActivations a, int xOff, int n) {
        byte[] q = a.q;
        float[] d = a.d;
        float[] lanes = new float[8];
        for (int b = 0; b < n / 32; b++) {
            long bo = off + 34L * b;
            float scale = f16At(w, bo) * d[xOff / 32 + b];
            for (int j = 0; j < 8; j++) {
                int isum = 0;
                for (int t = 0; t < 4; t++) {
                    isum += w.get(ValueLayout.JAVA_BYTE, bo + 2 + 4 * j + t) * q[xOff + b * 32 + 4 * j + t];
                }
                lanes[j] = Math.fma(scale, (float) isum, lanes[j]);
            }
        }
        return hsum8(lanes);
    }

    /** hsum_float_8: (x[i] + x[i+4]) for i < 4, then (r0 + r2) + (r1 + r3). */
    static float hsum8(float[] x) {
        float r0 = x[4] + x[0];
        float r1 = x[5] + x[1];
        float r2 = x[6] + x[2];
        float r3 = x[7] + x[3];
        return (r0 + r2) + (r1 + r3);
    }

    @Override
    public float dotQ4_0(MemorySegment w, long off, QuantizedActivations a, int xOff, int n) {
        byte[] q = a.q;
        float[] d = a.d;
        float s = 0;
        for (int b = 0; b < n / 32; b++) {
            long bo = off + 18L * b;
            int x0 = xOff + b * 32;
            int isum = 0;
            for (int j = 0; j < 16; j++) {
                int v = u8(w, bo + 2 + j);
                isum += ((v & 0xF) - 8) * q[x0 + j] + ((v >>> 4) - 8) * q[x0 + j + 16];
            }
            s += f16At(w, bo) * d[xOff / 32 + b] * isum;
        }
        return s;
    }

    /** Unpacks the 8 six-bit scales and 8 six-bit mins of a Q4_K/Q5_K block (get_scale_min_k4). */
    static void scalesMins(MemorySegment w, long scalesOff, int[] sc, int[] m) {
        for (int j = 0; j < 8; j++) {
            if (j < 4) {
                sc[j] = u8(w, scalesOff + j) & 63;
                m[j] = u8(w, scalesOff + j + 4) & 63;
            } else {
                sc[j] = (u8(w, scalesOff + j + 4) & 0xF) | ((u8(w, scalesOff + j - 4) >>> 6) << 4);
                m[j] = (u8(w, scalesOff + j + 4) >>> 4) | ((u8(w, scalesOff + j) >>> 6) << 4);
            }
        }
    }

    /**
     * As ggml's AVX2 vec_dot_q4_K_q8_K: eight int lanes, lane l summing sc·q4·q8 over elements 4l..4l+3 of every
     * 32-value sub-block, one fused multiply-add of d_x·d_w per super-block and lane; the mins in four lanes
     * (pairs of sub-blocks) with −d_x·dmin; then hsum_float_8 plus the four min lanes.
     */
    @Override
    public float dotQ4K(MemorySegment w, long off, QuantizedActivations a, int xOff, int n) {
        byte[] q = a.q;
        float[] d = a.d;
        int[] bsums = a.bsums;
        int[] sc = new int[8];
        int[] m = new int[8];
        float[] lanes = new float[8];
        float[] mins = new float[4];
        int[] isum = new int[8];
        for (int b = 0; b < n / 256; b++) {
            long bo = off + 144L * b;
            int x0 = xOff + 256 * b;
            scalesMins(w, bo + 4, sc, m);
            java.util.Arrays.fill(isum, 0);
            for (int j = 0; j < 8; j++) {
                for (int e = 0; e < 32; e++) {
                    int v = u8(w, bo + 16 + 32 * (j / 2) + e);
                    int nib = (j & 1) == 0 ? v & 0xF : v >>> 4;
                    isum[e / 4] += sc[j] * nib * q[x0 + 32 * j + e];
                }
            }
            float da = d[x0 / 256];
            float dmin = -da * f16At(w, bo + 2);
            int bs = x0 / 16;
            for (int i = 0; i < 4; i++) {
                int pair = m[2 * i] * (bsums[bs + 4 * i] + bsums[bs + 4 * i + 1])
                        + m[2 * i + 1] * (bsums[bs + 4 * i + 2] + bsums[bs + 4 * i + 3]);
                mins[i] = Math.fma(dmin, (float) pair, mins[i]);
            }
            float scale = da * f16At(w, bo);
            for (int l = 0; l < 8; l++) {
                lanes[l] = Math.fma(scale, (float) isum[l], lanes[l]);
            }
        }
        return hsum8(lanes) + ((mins[0] + mins[2]) + (mins[1] + mins[3]));
    }

    @Override
    public float dotQ5K(MemorySegment w, long off, QuantizedActivations a, int xOff, int n) {
        byte[] q = a.q;
        float[] d = a.d;
        int[] bsums = a.bsums;
        int[] sc = new int[8];
        int[] m = new int[8];
        float s = 0;
        for (int b = 0; b < n / 256; b++) {
            long bo = off + 176L * b;
            int x0 = xOff + b * 256;
            scalesMins(w, bo + 4, sc, m);
            int isum = 0;
            int msum = 0;
            for (int g = 0; g < 4; g++) {
                int lo = 0;
                int hi = 0;
                for (int l = 0; l < 32; l++) {
                    int v = u8(w, bo + 48 + 32 * g + l);
                    int h = u8(w, bo + 16 + l);
                    lo += ((v & 0xF) | (((h >>> (2 * g)) & 1) << 4)) * q[x0 + 64 * g + l];
                    hi += ((v >>> 4) | (((h >>> (2 * g + 1)) & 1) << 4)) * q[x0 + 64 * g + 32 + l];
                }
                isum += sc[2 * g] * lo + sc[2 * g + 1] * hi;
            }
            for (int j = 0; j < 8; j++) {
                msum += m[j] * (bsums[x0 / 16 + 2 * j] + bsums[x0 / 16 + 2 * j + 1]);
            }
            float da = d[x0 / 256];
            s += f16At(w, bo) * da * isum - f16At(w, bo + 2) * da * msum;
        }
        return s;
    }

    @Override
    public float dotQ6K(MemorySegment w, long off, QuantizedActivations act, int xOff, int n) {
        byte[] q = act.q;
        float[] d = act.d;
        float s = 0;
        for (int b = 0; b < n / 256; b++) {
            long bo = off + 210L * b;
            int x0 = xOff + b * 256;
            int isum = 0;
            for (int h = 0; h < 2; h++) {
                for (int l = 0; l < 32; l++) {
                    int a = u8(w, bo + 64 * h + l);
                    int c = u8(w, bo + 64 * h + 32 + l);
                    int e = u8(w, bo + 128 + 32 * h + l);
                    int t = 8 * h + l / 16;
                    int base = x0 + 128 * h + l;
                    isum += w.get(ValueLayout.JAVA_BYTE, bo + 192 + t) * (((a & 0xF) | ((e & 3) << 4)) - 32) * q[base];
                    isum += w.get(ValueLayout.JAVA_BYTE, bo + 192 + t + 2)
                            * (((c & 0xF) | (((e >>> 2) & 3) << 4)) - 32) * q[base + 32];
                    isum += w.get(ValueLayout.JAVA_BYTE, bo + 192 + t + 4)
                            * (((a >>> 4) | (((e >>> 4) & 3) << 4)) - 32) * q[base + 64];
                    isum += w.get(ValueLayout.JAVA_BYTE, bo + 192 + t + 6)
                            * (((c >>> 4) | (((e >>> 6) & 3) << 4)) - 32) * q[base + 96];
                }
            }
            s += f16At(w, bo + 208) * d[x0 / 256] * isum;
        }
        return s;
    }

    @Override
    public float dot(float[] a, int aOff, float[] b, int bOff, int n) {
        float s = 0;
        for (int i = 0; i < n; i++) {
            s += a[aOff + i] * b[bOff + i];
        }
        return s;
    }

    @Override
    public void axpy(float s, float[] x, int xOff, float[] y, int yOff, int n) {
        for (int i = 0; i < n; i++) {
            y[yOff + i] += s * x[xOff + i];
        }
    }

    /** ggml's reference dequantizers (dequantize_row_*), computed in float32 in ggml's order. */
    static void dequantize(GgmlType type, MemorySegment w, long off, float[] dst, int dstOff, int n) {
        switch (type) {
            case F32 -> {
                for (int i = 0; i < n; i++) {
                    dst[dstOff + i] = w.get(LE_FLOAT, off + 4L * i);
                }
            }
            case F16 -> {
                for (int i = 0; i < n; i++) {
                    dst[dstOff + i] = f16At(w, off + 2L * i);
                }
            }
            case BF16 -> {
                for (int i = 0; i < n; i++) {
                    dst[dstOff + i] = Fp.bf16(w.get(LE_SHORT, off + 2L * i));
                }
            }
            case Q8_0 -> {
                for (int b = 0; b < n / 32; b++) {
                    long bo = off + 34L * b;
                    float dd = f16At(w, bo);
                    for (int j = 0; j < 32; j++) {
                        dst[dstOff + 32 * b + j] = w.get(ValueLayout.JAVA_BYTE, bo + 2 + j) * dd;
                    }
                }
            }
            case Q4_0 -> {
                for (int b = 0; b < n / 32; b++) {
                    long bo = off + 18L * b;
                    float dd = f16At(w, bo);
                    for (int j = 0; j < 16; j++) {
                        int v = u8(w, bo + 2 + j);
                        dst[dstOff + 32 * b + j] = ((v & 0xF) - 8) * dd;
                        dst[dstOff + 32 * b + j + 16] = ((v >>> 4) - 8) * dd;
                    }
                }
            }
            case Q4_K, Q5_K -> {
                boolean five = type == GgmlType.Q5_K;
                int bytes = five ? 176 : 144;
                long qsOff = five ? 48 : 16;
                int[] sc = new int[8];
                int[] m = new int[8];
                for (int b = 0; b < n / 256; b++) {
                    long bo = off + (long) bytes * b;
                    float dd = f16At(w, bo);
                    float dmin = f16At(w, bo + 2);
                    scalesMins(w, bo + 4, sc, m);
                    for (int g = 0; g < 4; g++) {
                        float d1 = dd * sc[2 * g];
                        float m1 = dmin * m[2 * g];
                        float d2 = dd * sc[2 * g + 1];
                        float m2 = dmin * m[2 * g + 1];
                        for (int l = 0; l < 32; l++) {
                            int v = u8(w, bo + qsOff + 32 * g + l);
                            int lo = v & 0xF;
                            int hi = v >>> 4;
                            if (five) {
                                int h = u8(w, bo + 16 + l);
                                lo |= ((h >>> (2 * g)) & 1) << 4;
                                hi |= ((h >>> (2 * g + 1)) & 1) << 4;
                            }
                            dst[dstOff + 256 * b + 64 * g + l] = d1 * lo - m1;
                            dst[dstOff + 256 * b + 64 * g + 32 + l] = d2 * hi - m2;
                        }
                    }
                }
            }
            case Q6_K -> {
                for (int b = 0; b < n / 256; b++) {
                    long bo = off + 210L * b;
                    float dd = f16At(w, bo + 208);
                    for (int h = 0; h < 2; h++) {
                        for (int l = 0; l < 32; l++) {
                            int a = u8(w, bo + 64 * h + l);
                            int c = u8(w, bo + 64 * h + 32 + l);
                            int e = u8(w, bo + 128 + 32 * h + l);
                            int t = 8 * h + l / 16;
                            int o = dstOff + 256 * b + 128 * h + l;
                            dst[o] = dd * w.get(ValueLayout.JAVA_BYTE, bo + 192 + t)
                                    * (((a & 0xF) | ((e & 3) << 4)) - 32);
                            dst[o + 32] = dd * w.get(ValueLayout.JAVA_BYTE, bo + 192 + t + 2)
                                    * (((c & 0xF) | (((e >>> 2) & 3) << 4)) - 32);
                            dst[o + 64] = dd * w.get(ValueLayout.JAVA_BYTE, bo + 192 + t + 4)
                                    * (((a >>> 4) | (((e >>> 4) & 3) << 4)) - 32);
                            dst[o + 96] = dd * w.get(ValueLayout.JAVA_BYTE, bo + 192 + t + 6)
                                    * (((c >>> 4) | (((e >>> 6) & 3) << 4)) - 32);
                        }
                    }
                }
            }
            default -> throw new IllegalArgumentException("no CPU dequantizer for " + type);
        }
    }
}
