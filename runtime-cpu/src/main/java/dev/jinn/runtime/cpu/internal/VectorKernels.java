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
        // adjacent int16 pairs summed inside their 32-bit lane: shifts are cheaper than two widening conversions
        IntVector pi = p.reinterpretAsInts();
        return pi.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16)
                .add(pi.lanewise(VectorOperators.ASHR, 16));
    }

    /** Bytes shifted right by {@code k} bits (unsigned), through 32-bit lanes: byte shifts are not native on x86. */
    private static ByteVector shr(ByteVector v, int k) {
        return v.reinterpretAsInts().lanewise(VectorOperators.LSHR, k).reinterpretAsBytes()
                .and((byte) (0xFF >>> k));
    }

    /** Bytes shifted left by {@code k} bits; the caller guarantees no bit leaves its byte. */
    private static ByteVector shl(ByteVector v, int k) {
        return v.reinterpretAsInts().lanewise(VectorOperators.LSHL, k).reinterpretAsBytes();
    }

    /** 32 signed-byte products, elements 0..15 times {@code s0} plus elements 16..31 times {@code s1}, in 16 ints. */
    private static IntVector dot16x2(ByteVector a, ByteVector b, int s0, int s1) {
        ShortVector p = ((ShortVector) a.convertShape(VectorOperators.B2S, S512, 0))
                .mul((ShortVector) b.convertShape(VectorOperators.B2S, S512, 0));
        return ((IntVector) p.convertShape(VectorOperators.S2I, I512, 0)).mul(s0)
                .add(((IntVector) p.convertShape(VectorOperators.S2I, I512, 1)).mul(s1));
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

    private static final VectorSpecies<Float> F256 = FloatVector.SPECIES_256;

    /**
     * ggml's lane order (see {@link ScalarKernels#dotQ8_0}): the 32 int16 products are summed in pairs inside 32-bit
     * lanes and again inside 64-bit lanes, giving the eight sums of four consecutive products that dpbusd/madd give.
     */
    @Override
    public float dotQ8_0(MemorySegment w, long off, byte[] q, float[] d, int xOff, int n) {
        FloatVector acc = FloatVector.zero(F256);
        int blocks = n / 32;
        int d0 = xOff / 32;
        for (int b = 0; b < blocks; b++) {
            long bo = off + 34L * b;
            ShortVector p = ((ShortVector) ByteVector.fromMemorySegment(B256, w, bo + 2, LE)
                    .convertShape(VectorOperators.B2S, S512, 0))
                    .mul((ShortVector) ByteVector.fromArray(B256, q, xOff + 32 * b)
                            .convertShape(VectorOperators.B2S, S512, 0));
            IntVector pi = p.reinterpretAsInts();
            IntVector pairs = pi.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16)
                    .add(pi.lanewise(VectorOperators.ASHR, 16));
            jdk.incubator.vector.LongVector pl = pairs.reinterpretAsLongs();
            jdk.incubator.vector.LongVector quads = pl.lanewise(VectorOperators.LSHL, 32)
                    .lanewise(VectorOperators.ASHR, 32).add(pl.lanewise(VectorOperators.ASHR, 32));
            FloatVector f = (FloatVector) quads.convertShape(VectorOperators.L2F, F256, 0);
            float scale = Float.float16ToFloat(w.get(LE_SHORT, bo)) * d[d0 + b];
            acc = FloatVector.broadcast(F256, scale).fma(f, acc);
        }
        float r0 = acc.lane(4) + acc.lane(0);
        float r1 = acc.lane(5) + acc.lane(1);
        float r2 = acc.lane(6) + acc.lane(2);
        float r3 = acc.lane(7) + acc.lane(3);
        return (r0 + r2) + (r1 + r3);
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
            ByteVector hi = shr(v, 4).sub((byte) 8);
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

    private static final VectorSpecies<Long> L512 = jdk.incubator.vector.LongVector.SPECIES_512;

    /** The 32 int16 products of a chunk summed in groups of four consecutive values, as 8 long lanes. */
    private static jdk.incubator.vector.LongVector quadSums(ByteVector a, ByteVector b) {
        ShortVector p = ((ShortVector) a.convertShape(VectorOperators.B2S, S512, 0))
                .mul((ShortVector) b.convertShape(VectorOperators.B2S, S512, 0));
        IntVector pi = p.reinterpretAsInts();
        IntVector pairs = pi.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16)
                .add(pi.lanewise(VectorOperators.ASHR, 16));
        jdk.incubator.vector.LongVector pl = pairs.reinterpretAsLongs();
        return pl.lanewise(VectorOperators.LSHL, 32).lanewise(VectorOperators.ASHR, 32)
                .add(pl.lanewise(VectorOperators.ASHR, 32));
    }

    /** ggml's AVX2 vec_dot_q4_K_q8_K lane order (see {@link ScalarKernels#dotQ4K}). */
    @Override
    public float dotQ4K(MemorySegment w, long off, byte[] q, float[] d, int[] bsums, int xOff, int n) {
        FloatVector acc = FloatVector.zero(F256);
        float m0 = 0, m1 = 0, m2 = 0, m3 = 0;
        for (int b = 0; b < n / 256; b++) {
            long bo = off + 144L * b;
            int x0 = xOff + 256 * b;
            int bs = x0 / 16;
            jdk.incubator.vector.LongVector isum = jdk.incubator.vector.LongVector.zero(L512);
            for (int j = 0; j < 8; j++) {
                ByteVector v = ByteVector.fromMemorySegment(B256, w, bo + 16 + 32L * (j >> 1), LE);
                ByteVector nib = shr(v, 4 * (j & 1)).and((byte) 0xF);
                isum = isum.add(quadSums(nib, ByteVector.fromArray(B256, q, x0 + 32 * j)).mul(scaleK4(w, bo + 4, j)));
            }
            float da = d[x0 / 256];
            float dmin = -da * Float.float16ToFloat(w.get(LE_SHORT, bo + 2));
            m0 = Math.fma(dmin, (float) minPair(w, bo + 4, bsums, bs, 0), m0);
            m1 = Math.fma(dmin, (float) minPair(w, bo + 4, bsums, bs, 1), m1);
            m2 = Math.fma(dmin, (float) minPair(w, bo + 4, bsums, bs, 2), m2);
            m3 = Math.fma(dmin, (float) minPair(w, bo + 4, bsums, bs, 3), m3);
            float scale = da * Float.float16ToFloat(w.get(LE_SHORT, bo));
            acc = FloatVector.broadcast(F256, scale)
                    .fma((FloatVector) isum.convertShape(VectorOperators.L2F, F256, 0), acc);
        }
        float r0 = acc.lane(4) + acc.lane(0);
        float r1 = acc.lane(5) + acc.lane(1);
        float r2 = acc.lane(6) + acc.lane(2);
        float r3 = acc.lane(7) + acc.lane(3);
        return ((r0 + r2) + (r1 + r3)) + ((m0 + m2) + (m1 + m3));
    }

    /** m[2i]·(bsums of sub-block 2i) + m[2i+1]·(bsums of sub-block 2i+1), as _mm_madd_epi16 pairs them. */
    static int minPair(MemorySegment w, long so, int[] bsums, int bs, int i) {
        int a = 2 * i;
        return minK4(w, so, a) * (bsums[bs + 2 * a] + bsums[bs + 2 * a + 1])
                + minK4(w, so, a + 1) * (bsums[bs + 2 * a + 2] + bsums[bs + 2 * a + 3]);
    }

    /** get_scale_min_k4's scale of sub-block j from the 12 packed bytes at {@code so}. */
    static int scaleK4(MemorySegment w, long so, int j) {
        return j < 4 ? u8(w, so + j) & 63 : (u8(w, so + j + 4) & 0xF) | ((u8(w, so + j - 4) >>> 6) << 4);
    }

    /** get_scale_min_k4's min of sub-block j. */
    static int minK4(MemorySegment w, long so, int j) {
        return j < 4 ? u8(w, so + j + 4) & 63 : (u8(w, so + j + 4) >>> 4) | ((u8(w, so + j) >>> 6) << 4);
    }

    @Override
    public float dotQ5K(MemorySegment w, long off, byte[] q, float[] d, int[] bsums, int xOff, int n) {
        FloatVector acc = FloatVector.zero(F512);
        float mins = 0;
        int[] sc = new int[8];
        int[] m = new int[8];
        for (int b = 0; b < n / 256; b++) {
            long bo = off + 176L * b;
            int x0 = xOff + 256 * b;
            unpackScales(w, bo + 4, sc, m);
            IntVector isum = IntVector.zero(I512);
            for (int j = 0; j < 8; j++) {
                ByteVector v = ByteVector.fromMemorySegment(B256, w, bo + 48 + 32L * (j >> 1), LE);
                ByteVector qh = ByteVector.fromMemorySegment(B256, w, bo + 16, LE);
                ByteVector nib = shr(v, 4 * (j & 1)).and((byte) 0xF).or(shl(shr(qh, j).and((byte) 1), 4));
                isum = isum.add(dot32(nib, ByteVector.fromArray(B256, q, x0 + 32 * j)).mul(sc[j]));
            }
            mins += minsTerm(w, bo, d, bsums, x0, m);
            float scale = Float.float16ToFloat(w.get(LE_SHORT, bo)) * d[x0 / 256];
            acc = ((FloatVector) isum.convert(VectorOperators.I2F, 0)).fma(FloatVector.broadcast(F512, scale), acc);
        }
        return hsum(acc) - mins;
    }

    /** get_scale_min_k4 for the 8 sub-blocks of a Q4_K/Q5_K block. */
    private static void unpackScales(MemorySegment w, long so, int[] sc, int[] m) {
        for (int j = 0; j < 4; j++) {
            int lo = u8(w, so + j);
            int mid = u8(w, so + j + 4);
            int hi = u8(w, so + j + 8);
            sc[j] = lo & 63;
            m[j] = mid & 63;
            sc[j + 4] = (hi & 0xF) | ((lo >>> 6) << 4);
            m[j + 4] = (hi >>> 4) | ((mid >>> 6) << 4);
        }
    }

    private static float minsTerm(MemorySegment w, long bo, float[] d, int[] bsums, int x0, int[] m) {
        int bs = x0 / 16;
        int msum = 0;
        for (int j = 0; j < 8; j++) {
            msum += m[j] * (bsums[bs + 2 * j] + bsums[bs + 2 * j + 1]);
        }
        return Float.float16ToFloat(w.get(LE_SHORT, bo + 2)) * d[x0 / 256] * msum;
    }

    @Override
    public float dotQ6K(MemorySegment w, long off, byte[] q, float[] d, int xOff, int n) {
        FloatVector acc = FloatVector.zero(F512);
        for (int b = 0; b < n / 256; b++) {
            long bo = off + 210L * b;
            int x0 = xOff + 256 * b;
            IntVector isum = IntVector.zero(I512);
            for (int j = 0; j < 8; j++) {
                // 32 values 128h + 32k: low nibble (k < 2) or high nibble (k >= 2) of ql[64h + 32(k&1)],
                // high bits (2k..2k+1) of qh[32h]; scales 8h + 2k and 8h + 2k + 1 cover 16 values each
                int h = j >> 2;
                int k = j & 3;
                ByteVector ql = ByteVector.fromMemorySegment(B256, w, bo + 64L * h + 32L * (k & 1), LE);
                ByteVector qh = ByteVector.fromMemorySegment(B256, w, bo + 128 + 32L * h, LE);
                ByteVector qv = shr(ql, 4 * (k >> 1)).and((byte) 0xF)
                        .or(shl(shr(qh, 2 * k).and((byte) 3), 4)).sub((byte) 32);
                long so = bo + 192 + 8L * h + 2L * k;
                isum = isum.add(dot16x2(qv, ByteVector.fromArray(B256, q, x0 + 32 * j),
                        w.get(ValueLayout.JAVA_BYTE, so), w.get(ValueLayout.JAVA_BYTE, so + 1)));
            }
            float scale = Float.float16ToFloat(w.get(LE_SHORT, bo + 208)) * d[x0 / 256];
            acc = ((FloatVector) isum.convert(VectorOperators.I2F, 0)).fma(FloatVector.broadcast(F512, scale), acc);
        }
        return hsum(acc);
    }

    /**
     * Rounds each lane to the nearest f16 value (ties to even) and back, for |x| ≤ 65504: the float bits are rounded
     * at mantissa bit 13 for normal f16 numbers; below 2^-14 (f16 subnormals) adding and removing 0.75 rounds to a
     * multiple of 2^-24.
     */
    static FloatVector roundF16(FloatVector x) {
        IntVector bits = x.reinterpretAsInts();
        IntVector r = bits.add(0xFFF).add(bits.lanewise(VectorOperators.LSHR, 13).and(1)).and(~0x1FFF);
        FloatVector sub = x.add(0.75f).sub(0.75f).abs().reinterpretAsInts()
                .or(bits.and(0x80000000)).reinterpretAsFloats(); // keep the sign of values that round to zero
        return r.reinterpretAsFloats().blend(sub, x.abs().compare(VectorOperators.LT, 0x1p-14f));
    }

    @Override
    public void madF16(float[] acc, float[] v, int vOff, float s, int n) {
        int i = 0;
        FloatVector sv = FloatVector.broadcast(F512, s);
        for (; i <= n - 16; i += 16) {
            roundF16(FloatVector.fromArray(F512, v, vOff + i).fma(sv, FloatVector.fromArray(F512, acc, i)))
                    .intoArray(acc, i);
        }
        for (; i < n; i++) {
            acc[i] = Fp.roundF16(Math.fma(v[vOff + i], s, acc[i]));
        }
    }

    @Override
    public void scaleF16(float[] acc, float s, int n) {
        int i = 0;
        for (; i <= n - 16; i += 16) {
            roundF16(FloatVector.fromArray(F512, acc, i).mul(s)).intoArray(acc, i);
        }
        for (; i < n; i++) {
            acc[i] = Fp.roundF16(acc[i] * s);
        }
    }

    @Override
    public void f16ToFloat(MemorySegment src, long off, float[] dst, int dstOff, int n) {
        int i = 0;
        for (; i <= n - 16; i += 16) {
            f16ToFloat(ShortVector.fromMemorySegment(S256, src, off + 2L * i, LE)).intoArray(dst, dstOff + i);
        }
        for (; i < n; i++) {
            dst[dstOff + i] = Float.float16ToFloat(src.get(LE_SHORT, off + 2L * i));
        }
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
