package dev.jinn.runtime.cpu.internal;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * Vector API kernels reading the mapped weights in place with wide loads. Quantized types use int8 activations:
 * bytes are widened to 16 bits, multiplied, widened to 32 bits and summed per (sub-)block, scaled by the block's
 * integer scale, and the super-block's float scale is applied once. Loaded only when {@code jdk.incubator.vector}
 * is present (see KernelSelector). Each method matches its {@link ScalarKernels} twin up to float reassociation.
 */
public final class VectorKernels extends Kernels {
    private static final ByteOrder LE = ByteOrder.LITTLE_ENDIAN;
    private static final VectorSpecies<Byte> B128 = ByteVector.SPECIES_128;
    private static final VectorSpecies<Byte> B256 = ByteVector.SPECIES_256;
    private static final VectorSpecies<Short> S256 = ShortVector.SPECIES_256;
    private static final VectorSpecies<Short> S512 = ShortVector.SPECIES_512;
    private static final VectorSpecies<Integer> I512 = IntVector.SPECIES_512;
    private static final VectorSpecies<Float> F512 = FloatVector.SPECIES_512;

    @Override
    public String name() {
        return "vector";
    }

    /**
     * Sum of the 16 lanes in a fixed order (halving tree, as _mm512_reduce_add_ps): unlike reduceLanes, whose order
     * may change when the JIT compiles a method, this gives the same float on every call.
     */
    static float hsum(FloatVector v) {
        float a0 = v.lane(0) + v.lane(8), a1 = v.lane(1) + v.lane(9), a2 = v.lane(2) + v.lane(10);
        float a3 = v.lane(3) + v.lane(11), a4 = v.lane(4) + v.lane(12), a5 = v.lane(5) + v.lane(13);
        float a6 = v.lane(6) + v.lane(14), a7 = v.lane(7) + v.lane(15);
        float b0 = a0 + a4, b1 = a1 + a5, b2 = a2 + a6, b3 = a3 + a7;
        return (b0 + b2) + (b1 + b3);
    }

    @Override
    public float dotGgmlF16Order(float[] q, int qOff, float[] k, int kOff, int n) {
        if (n % 64 != 0) {
            return dot(q, qOff, k, kOff, n);
        }
        FloatVector s0 = FloatVector.zero(F512), s1 = s0, s2 = s0, s3 = s0;
        for (int i = 0; i < n; i += 64) {
            s0 = FloatVector.fromArray(F512, k, kOff + i).fma(FloatVector.fromArray(F512, q, qOff + i), s0);
            s1 = FloatVector.fromArray(F512, k, kOff + i + 16).fma(FloatVector.fromArray(F512, q, qOff + i + 16), s1);
            s2 = FloatVector.fromArray(F512, k, kOff + i + 32).fma(FloatVector.fromArray(F512, q, qOff + i + 32), s2);
            s3 = FloatVector.fromArray(F512, k, kOff + i + 48).fma(FloatVector.fromArray(F512, q, qOff + i + 48), s3);
        }
        return hsum(s0.add(s2).add(s1.add(s3)));
    }

    /** 32 signed bytes times 32 signed bytes, summed pairwise into 16 ints. */
    private static IntVector dot32(ByteVector a, ByteVector b) {
        ShortVector p = ((ShortVector) a.convertShape(VectorOperators.B2S, S512, 0))
                .mul((ShortVector) b.convertShape(VectorOperators.B2S, S512, 0));
        return ((IntVector) p.convertShape(VectorOperators.S2I, I512, 0))
                .add((IntVector) p.convertShape(VectorOperators.S2I, I512, 1));
    }

    /** As {@link #dot32} but keeps the two halves (elements 0..15 and 16..31) apart. */
    private static IntVector[] dot16x2(ByteVector a, ByteVector b) {
        ShortVector p = ((ShortVector) a.convertShape(VectorOperators.B2S, S512, 0))
                .mul((ShortVector) b.convertShape(VectorOperators.B2S, S512, 0));
        return new IntVector[] {(IntVector) p.convertShape(VectorOperators.S2I, I512, 0),
                (IntVector) p.convertShape(VectorOperators.S2I, I512, 1)};
    }

    @Override
    public float dotF32(MemorySegment w, long off, float[] x, int xOff, int n) {
        FloatVector acc = FloatVector.zero(F512);
        int i = 0;
        for (; i <= n - 16; i += 16) {
            acc = FloatVector.fromMemorySegment(F512, w, off + 4L * i, LE)
                    .fma(FloatVector.fromArray(F512, x, xOff + i), acc);
        }
        float s = hsum(acc);
        for (; i < n; i++) {
            s += w.get(LE_FLOAT, off + 4L * i) * x[xOff + i];
        }
        return s;
    }

    /** 16 f16 values to floats (exact, including subnormals, infinities and NaN). */
    static FloatVector f16ToFloat(ShortVector h) {
        IntVector v = (IntVector) h.convertShape(VectorOperators.S2I, I512, 0);
        IntVector sign = v.and(0x8000).lanewise(VectorOperators.LSHL, 16);
        IntVector mag = v.and(0x7FFF);
        // exponent rebias by multiplication: handles normal numbers and subnormals alike
        FloatVector f = mag.lanewise(VectorOperators.LSHL, 13).reinterpretAsFloats().mul(0x1p112f);
        VectorMask<Integer> special = mag.compare(VectorOperators.GE, 0x7C00);
        IntVector bits = f.reinterpretAsInts()
                .blend(mag.lanewise(VectorOperators.LSHL, 13).or(0x7F800000), special);
        return bits.or(sign).reinterpretAsFloats();
    }

    @Override
    public float dotF16(MemorySegment w, long off, float[] x, int xOff, int n) {
        FloatVector acc = FloatVector.zero(F512);
        int i = 0;
        for (; i <= n - 16; i += 16) {
            ShortVector h = ShortVector.fromMemorySegment(S256, w, off + 2L * i, LE);
            acc = f16ToFloat(h).fma(FloatVector.fromArray(F512, x, xOff + i), acc);
        }
        float s = hsum(acc);
        for (; i < n; i++) {
            s += Float.float16ToFloat(w.get(LE_SHORT, off + 2L * i)) * x[xOff + i];
        }
        return s;
    }

    @Override
    public float dotBf16(MemorySegment w, long off, float[] x, int xOff, int n) {
        FloatVector acc = FloatVector.zero(F512);
        int i = 0;
        for (; i <= n - 16; i += 16) {
            ShortVector h = ShortVector.fromMemorySegment(S256, w, off + 2L * i, LE);
            FloatVector f = ((IntVector) h.convertShape(VectorOperators.S2I, I512, 0))
                    .lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats();
            acc = f.fma(FloatVector.fromArray(F512, x, xOff + i), acc);
        }
        float s = hsum(acc);
        for (; i < n; i++) {
            s += Fp.bf16(w.get(LE_SHORT, off + 2L * i)) * x[xOff + i];
        }
        return s;
    }

    @Override
    public float dotQ8_0(MemorySegment w, long off, byte[] q, float[] d, int xOff, int n) {
        FloatVector acc = FloatVector.zero(F512);
        int blocks = n / 32;
        int d0 = xOff / 32;
        for (int b = 0; b < blocks; b++) {
            long bo = off + 34L * b;
            IntVector s = dot32(ByteVector.fromMemorySegment(B256, w, bo + 2, LE),
                    ByteVector.fromArray(B256, q, xOff + 32 * b));
            float scale = Float.float16ToFloat(w.get(LE_SHORT, bo)) * d[d0 + b];
            acc = ((FloatVector) s.convert(VectorOperators.I2F, 0)).fma(FloatVector.broadcast(F512, scale), acc);
        }
        return hsum(acc);
    }

    @Override
    public float dotQ4_0(MemorySegment w, long off, byte[] q, float[] d, int xOff, int n) {
        FloatVector acc = FloatVector.zero(F512);
        int blocks = n / 32;
        int d0 = xOff / 32;
        for (int b = 0; b < blocks; b++) {
            long bo = off + 18L * b;
            ByteVector v = ByteVector.fromMemorySegment(B128, w, bo + 2, LE);
            ByteVector lo = v.and((byte) 0xF).sub((byte) 8);
            ByteVector hi = v.lanewise(VectorOperators.LSHR, 4).sub((byte) 8);
            ShortVector p = ((ShortVector) lo.convertShape(VectorOperators.B2S, S256, 0))
                    .mul((ShortVector) ByteVector.fromArray(B128, q, xOff + 32 * b)
                            .convertShape(VectorOperators.B2S, S256, 0))
                    .add(((ShortVector) hi.convertShape(VectorOperators.B2S, S256, 0))
                            .mul((ShortVector) ByteVector.fromArray(B128, q, xOff + 32 * b + 16)
                                    .convertShape(VectorOperators.B2S, S256, 0)));
            IntVector s = (IntVector) p.convertShape(VectorOperators.S2I, I512, 0);
            float scale = Float.float16ToFloat(w.get(LE_SHORT, bo)) * d[d0 + b];
            acc = ((FloatVector) s.convert(VectorOperators.I2F, 0)).fma(FloatVector.broadcast(F512, scale), acc);
        }
        return hsum(acc);
    }

    private static int u8(MemorySegment w, long off) {
        return w.get(ValueLayout.JAVA_BYTE, off) & 0xFF;
    }

    @Override
    public float dotQ4K(MemorySegment w, long off, byte[] q, float[] d, int[] bsums, int xOff, int n) {
        return dotQ45K(w, off, q, d, bsums, xOff, n, false);
    }

    @Override
    public float dotQ5K(MemorySegment w, long off, byte[] q, float[] d, int[] bsums, int xOff, int n) {
        return dotQ45K(w, off, q, d, bsums, xOff, n, true);
    }

    private static float dotQ45K(MemorySegment w, long off, byte[] q, float[] d, int[] bsums, int xOff, int n,
                                 boolean five) {
        FloatVector acc = FloatVector.zero(F512);
        float mins = 0;
        int blockBytes = five ? 176 : 144;
        long qsOff = five ? 48 : 16;
        int[] sc = new int[8];
        int[] m = new int[8];
        for (int b = 0; b < n / 256; b++) {
            long bo = off + (long) blockBytes * b;
            int x0 = xOff + 256 * b;
            // get_scale_min_k4 for the 8 sub-blocks
            int s0 = u8(w, bo + 4), s1 = u8(w, bo + 5), s2 = u8(w, bo + 6), s3 = u8(w, bo + 7);
            int s4 = u8(w, bo + 8), s5 = u8(w, bo + 9), s6 = u8(w, bo + 10), s7 = u8(w, bo + 11);
            int s8 = u8(w, bo + 12), s9 = u8(w, bo + 13), s10 = u8(w, bo + 14), s11 = u8(w, bo + 15);
            sc[0] = s0 & 63; sc[1] = s1 & 63; sc[2] = s2 & 63; sc[3] = s3 & 63;
            m[0] = s4 & 63; m[1] = s5 & 63; m[2] = s6 & 63; m[3] = s7 & 63;
            sc[4] = (s8 & 0xF) | ((s0 >>> 6) << 4);
            sc[5] = (s9 & 0xF) | ((s1 >>> 6) << 4);
            sc[6] = (s10 & 0xF) | ((s2 >>> 6) << 4);
            sc[7] = (s11 & 0xF) | ((s3 >>> 6) << 4);
            m[4] = (s8 >>> 4) | ((s4 >>> 6) << 4);
            m[5] = (s9 >>> 4) | ((s5 >>> 6) << 4);
            m[6] = (s10 >>> 4) | ((s6 >>> 6) << 4);
            m[7] = (s11 >>> 4) | ((s7 >>> 6) << 4);
            ByteVector qh = five ? ByteVector.fromMemorySegment(B256, w, bo + 16, LE) : null;
            IntVector isum = IntVector.zero(I512);
            for (int g = 0; g < 4; g++) {
                ByteVector v = ByteVector.fromMemorySegment(B256, w, bo + qsOff + 32L * g, LE);
                ByteVector lo = v.and((byte) 0xF);
                ByteVector hi = v.lanewise(VectorOperators.LSHR, 4);
                if (five) {
                    lo = lo.or(qh.lanewise(VectorOperators.LSHR, 2 * g).and((byte) 1).lanewise(VectorOperators.LSHL, 4));
                    hi = hi.or(qh.lanewise(VectorOperators.LSHR, 2 * g + 1).and((byte) 1)
                            .lanewise(VectorOperators.LSHL, 4));
                }
                IntVector pl = dot32(lo, ByteVector.fromArray(B256, q, x0 + 64 * g));
                IntVector ph = dot32(hi, ByteVector.fromArray(B256, q, x0 + 64 * g + 32));
                isum = isum.add(pl.mul(sc[2 * g])).add(ph.mul(sc[2 * g + 1]));
            }
            int bs = x0 / 16;
            int msum = 0;
            for (int j = 0; j < 8; j++) {
                msum += m[j] * (bsums[bs + 2 * j] + bsums[bs + 2 * j + 1]);
            }
            float da = d[x0 / 256];
            float dw = Float.float16ToFloat(w.get(LE_SHORT, bo));
            float dmin = Float.float16ToFloat(w.get(LE_SHORT, bo + 2));
            acc = ((FloatVector) isum.convert(VectorOperators.I2F, 0)).fma(FloatVector.broadcast(F512, dw * da), acc);
            mins += dmin * da * msum;
        }
        return hsum(acc) - mins;
    }

    @Override
    public float dotQ6K(MemorySegment w, long off, byte[] q, float[] d, int xOff, int n) {
        FloatVector acc = FloatVector.zero(F512);
        for (int b = 0; b < n / 256; b++) {
            long bo = off + 210L * b;
            int x0 = xOff + 256 * b;
            IntVector isum = IntVector.zero(I512);
            for (int h = 0; h < 2; h++) {
                ByteVector a = ByteVector.fromMemorySegment(B256, w, bo + 64L * h, LE);
                ByteVector c = ByteVector.fromMemorySegment(B256, w, bo + 64L * h + 32, LE);
                ByteVector e = ByteVector.fromMemorySegment(B256, w, bo + 128 + 32L * h, LE);
                ByteVector[] qs = {
                    a.and((byte) 0xF).or(e.and((byte) 3).lanewise(VectorOperators.LSHL, 4)).sub((byte) 32),
                    c.and((byte) 0xF).or(e.lanewise(VectorOperators.LSHR, 2).and((byte) 3)
                            .lanewise(VectorOperators.LSHL, 4)).sub((byte) 32),
                    a.lanewise(VectorOperators.LSHR, 4).or(e.lanewise(VectorOperators.LSHR, 4).and((byte) 3)
                            .lanewise(VectorOperators.LSHL, 4)).sub((byte) 32),
                    c.lanewise(VectorOperators.LSHR, 4).or(e.lanewise(VectorOperators.LSHR, 6)
                            .lanewise(VectorOperators.LSHL, 4)).sub((byte) 32)
                };
                for (int k = 0; k < 4; k++) {
                    IntVector[] p = dot16x2(qs[k], ByteVector.fromArray(B256, q, x0 + 128 * h + 32 * k));
                    int t = 8 * h + 2 * k;
                    isum = isum.add(p[0].mul(w.get(ValueLayout.JAVA_BYTE, bo + 192 + t)))
                            .add(p[1].mul(w.get(ValueLayout.JAVA_BYTE, bo + 192 + t + 1)));
                }
            }
            float scale = Float.float16ToFloat(w.get(LE_SHORT, bo + 208)) * d[x0 / 256];
            acc = ((FloatVector) isum.convert(VectorOperators.I2F, 0)).fma(FloatVector.broadcast(F512, scale), acc);
        }
        return hsum(acc);
    }

    @Override
    public float dot(float[] a, int aOff, float[] b, int bOff, int n) {
        FloatVector acc = FloatVector.zero(F512);
        int i = 0;
        for (; i <= n - 16; i += 16) {
            acc = FloatVector.fromArray(F512, a, aOff + i).fma(FloatVector.fromArray(F512, b, bOff + i), acc);
        }
        float s = hsum(acc);
        for (; i < n; i++) {
            s += a[aOff + i] * b[bOff + i];
        }
        return s;
    }

    @Override
    public void axpy(float s, float[] x, int xOff, float[] y, int yOff, int n) {
        int i = 0;
        FloatVector sv = FloatVector.broadcast(F512, s);
        for (; i <= n - 16; i += 16) {
            FloatVector.fromArray(F512, x, xOff + i).fma(sv, FloatVector.fromArray(F512, y, yOff + i))
                    .intoArray(y, yOff + i);
        }
        for (; i < n; i++) {
            y[yOff + i] += s * x[xOff + i];
        }
    }
}
