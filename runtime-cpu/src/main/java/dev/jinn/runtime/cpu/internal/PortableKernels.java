package dev.jinn.runtime.cpu.internal;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import dev.jinn.quant.GgmlType;
import java.nio.ByteOrder;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorSpecies;

/**
 * Vector API kernels for CPUs without 512-bit vectors: AVX2 (256 bits) and Arm NEON (128 bits). {@link VectorKernels}
 * is written for AVX-512 and names 512-bit species; where the hardware has none the JIT cannot compile those
 * operations to instructions and runs the Vector API's Java fallback, allocating every vector (a 1.5B Q4_K_M decode on
 * an AVX2-only JVM did not finish 16 prompt and 8 generated tokens in five minutes; the scalar kernels made 0.9
 * tokens/s, these 6.4; see README, "CPU kernels by vector width").
 *
 * <p>Every vector here has the width {@link #BITS}, fixed when the class loads: the hardware's preferred width capped
 * at 256 bits, or the system property {@code jinn.cpu.portableBits} (128 or 256; tests use it to run the 128-bit
 * kernels on a wider machine). The species must be constants for C2 to compile vector operations to instructions, hence
 * static finals rather than a constructor argument. Weights are widened once from bytes to 16-bit lanes and multiplied
 * with the activations' int16 copy, products summed in adjacent pairs inside 32-bit lanes as in VectorKernels: no
 * lane-count-changing conversion other than bytes to shorts, which every width has.
 *
 * <p>Results are not bit-identical to the scalar twin (float sums in another order); the golden-logits bound holds.
 * Prefill takes Q4_K, Q6_K and Q8_0 rows two tokens at a time, bit-identical to decode. Codecs without a vector
 * kernel here (F16, Q5_K), SwiGLU and activation quantization use the scalar code; the attention helpers
 * (ggml-order dot, f16 accumulator, f16 decoding) are vectorized and bit-exact with the scalar twin.
 */
public final class PortableKernels extends Kernels {
    private static final ByteOrder LE = ByteOrder.LITTLE_ENDIAN;
    private static final ValueLayout.OfInt LE_INT = ValueLayout.JAVA_INT_UNALIGNED.withOrder(LE);

    /** The vector width in bits: 128 or 256. */
    public static final int BITS = bits();

    private static final VectorSpecies<Short> S = ShortVector.SPECIES_PREFERRED.withShape(VectorShape.forBitSize(BITS));
    private static final VectorSpecies<Integer> I = IntVector.SPECIES_PREFERRED.withShape(VectorShape.forBitSize(BITS));
    private static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED.withShape(VectorShape.forBitSize(BITS));
    /** Half-width bytes: widened to {@link #S} (same lane count). */
    private static final VectorSpecies<Byte> B =
            ByteVector.SPECIES_PREFERRED.withShape(VectorShape.forBitSize(BITS / 2));
    /** Half-width shorts: widened to {@link #I} (same lane count), for bf16 and f16 values. */
    private static final VectorSpecies<Short> SH =
            ShortVector.SPECIES_PREFERRED.withShape(VectorShape.forBitSize(BITS / 2));
    /** Values per chunk: lanes of {@link #S}. */
    private static final int C = S.length();

    private final ScalarKernels scalar = new ScalarKernels();

    private static int bits() {
        String p = System.getProperty("jinn.cpu.portableBits");
        if (p != null) {
            int b = Integer.parseInt(p.trim());
            if (b != 128 && b != 256) {
                throw new IllegalArgumentException("jinn.cpu.portableBits must be 128 or 256, not " + p);
            }
            return b;
        }
        return Math.min(256, Math.max(128, VectorShape.preferredShape().vectorBitSize()));
    }

    @Override
    public String name() {
        return "portable-" + BITS;
    }

    /** {@code C} bytes at {@code off}, sign- or zero-extended to shorts. */
    private static ShortVector bytes(MemorySegment w, long off, boolean unsigned) {
        return (ShortVector) ByteVector.fromMemorySegment(B, w, off, LE)
                .convertShape(unsigned ? VectorOperators.ZERO_EXTEND_B2S : VectorOperators.B2S, S, 0);
    }

    @Override
    public float dotF32(MemorySegment w, long off, float[] x, int xOff, int n) {
        FloatVector acc = FloatVector.zero(F);
        int L = F.length();
        int i = 0;
        for (; i <= n - L; i += L) {
            acc = FloatVector.fromMemorySegment(F, w, off + 4L * i, LE).fma(FloatVector.fromArray(F, x, xOff + i), acc);
        }
        float s = hsum(acc);
        for (; i < n; i++) {
            s += w.get(LE_FLOAT, off + 4L * i) * x[xOff + i];
        }
        return s;
    }

    @Override
    public float dotF16(MemorySegment w, long off, float[] x, int xOff, int n) {
        return scalar.dotF16(w, off, x, xOff, n);
    }

    @Override
    public float dotBf16(MemorySegment w, long off, float[] x, int xOff, int n) {
        FloatVector acc = FloatVector.zero(F);
        int L = F.length(); // == S.length() / 2: load L shorts as half of a short vector's bytes
        int i = 0;
        for (; i <= n - L; i += L) {
            IntVector bits = (IntVector) ShortVector.fromMemorySegment(SH, w, off + 2L * i, LE)
                    .convertShape(VectorOperators.ZERO_EXTEND_S2I, I, 0);
            FloatVector v = bits.lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats();
            acc = v.fma(FloatVector.fromArray(F, x, xOff + i), acc);
        }
        float s = hsum(acc);
        for (; i < n; i++) {
            s += Fp.bf16(w.get(LE_SHORT, off + 2L * i)) * x[xOff + i];
        }
        return s;
    }

    /**
     * The lanes' sum in a fixed order. Not {@code reduceLanes(ADD)}: its order is unspecified, and the compiled and
     * the interpreted forms differ, so a model's logits changed with how far the JIT had got (golden q8_0 RMS 0.011 in
     * one run, 0.023 in the next).
     */
    private static float hsum(FloatVector v) {
        if (F.length() == 8) {
            return ((v.lane(0) + v.lane(4)) + (v.lane(2) + v.lane(6)))
                    + ((v.lane(1) + v.lane(5)) + (v.lane(3) + v.lane(7)));
        }
        return (v.lane(0) + v.lane(2)) + (v.lane(1) + v.lane(3));
    }

    /**
     * 16-bit lanes summed in adjacent pairs into int lanes: (x + (x << 16)) >> 16, exact while each pair's sum fits
     * in int16. The kernels add int16 products first where that still holds (noted at each), so there is one pair sum
     * per several chunks.
     */
    private static IntVector pairSums(ShortVector products) {
        IntVector p = products.reinterpretAsInts();
        return p.add(p.lanewise(VectorOperators.LSHL, 16)).lanewise(VectorOperators.ASHR, 16);
    }

    /**
     * The same bits at 128 as at 256 bits: at 128 the odd chunks of a block go to a second accumulator, standing for
     * the upper half of a 256-bit one, and the lanes are summed as one. Q8_0 needs it: the next layer's activations are
     * requantized to int8, so rounding differences grow, and with 128-bit lane groups the golden q8_0 file was 0.026
     * RMS from llama.cpp against a bound of 0.0245 (0.011 with these groups).
     */
    @Override
    public float dotQ8_0(MemorySegment w, long off, QuantizedActivations a, int xOff, int n) {
        short[] q16 = a.q16;
        float[] d = a.d;
        FloatVector acc = FloatVector.zero(F);
        FloatVector accHi = FloatVector.zero(F);
        for (int b = 0; b < n / 32; b++) {
            long bo = off + 34L * b;
            int x0 = xOff + 32 * b;
            // one pair sum per chunk: two adjacent lanes of |128 * 127| already fill int16
            IntVector isum = IntVector.zero(I);
            IntVector isumHi = IntVector.zero(I);
            for (int c = 0; c < 32; c += C) {
                IntVector p = pairSums(bytes(w, bo + 2 + c, false).mul(ShortVector.fromArray(S, q16, x0 + c)));
                if (BITS == 128 && (c & C) != 0) {
                    isumHi = isumHi.add(p);
                } else {
                    isum = isum.add(p);
                }
            }
            FloatVector scale = FloatVector.broadcast(F, Float.float16ToFloat(w.get(LE_SHORT, bo)) * d[x0 / 32]);
            acc = ((FloatVector) isum.convert(VectorOperators.I2F, 0)).fma(scale, acc);
            if (BITS == 128) {
                accHi = ((FloatVector) isumHi.convert(VectorOperators.I2F, 0)).fma(scale, accHi);
            }
        }
        if (BITS == 128) {
            return ((acc.lane(0) + accHi.lane(0)) + (acc.lane(2) + accHi.lane(2)))
                    + ((acc.lane(1) + accHi.lane(1)) + (acc.lane(3) + accHi.lane(3)));
        }
        return hsum(acc);
    }

    @Override
    public float dotQ4_0(MemorySegment w, long off, QuantizedActivations a, int xOff, int n) {
        short[] q16 = a.q16;
        float[] d = a.d;
        FloatVector acc = FloatVector.zero(F);
        ShortVector eight = ShortVector.broadcast(S, (short) 8);
        ShortVector nibble = ShortVector.broadcast(S, (short) 0xF);
        for (int b = 0; b < n / 32; b++) {
            long bo = off + 18L * b;
            int x0 = xOff + 32 * b;
            ShortVector p = ShortVector.zero(S); // a pair of lanes: at most eight products of |8 * 127|
            for (int c = 0; c < 16; c += C) {
                ShortVector z = bytes(w, bo + 2 + c, true);
                p = p.add(z.and(nibble).sub(eight).mul(ShortVector.fromArray(S, q16, x0 + c)))
                        .add(z.lanewise(VectorOperators.LSHR, 4).sub(eight)
                                .mul(ShortVector.fromArray(S, q16, x0 + 16 + c)));
            }
            IntVector isum = pairSums(p);
            float scale = Float.float16ToFloat(w.get(LE_SHORT, bo)) * d[x0 / 32];
            acc = ((FloatVector) isum.convert(VectorOperators.I2F, 0)).fma(FloatVector.broadcast(F, scale), acc);
        }
        return hsum(acc);
    }

    @Override
    public float dotQ4K(MemorySegment w, long off, QuantizedActivations a, int xOff, int n) {
        short[] q16 = a.q16;
        float[] d = a.d;
        int[] bsum32 = a.bsum32;
        FloatVector acc = FloatVector.zero(F);
        float mins = 0;
        ShortVector nibble = ShortVector.broadcast(S, (short) 0xF);
        for (int b = 0; b < n / 256; b++) {
            long bo = off + 144L * b;
            int x0 = xOff + 256 * b;
            int u0 = w.get(LE_INT, bo + 4);
            int u1 = w.get(LE_INT, bo + 8);
            int u2 = w.get(LE_INT, bo + 12);
            long sc = VectorKernels.k4Scales(u0, u2);
            long mn = VectorKernels.k4Mins(u1, u2);
            IntVector isum = IntVector.zero(I);
            for (int g = 0; g < 4; g++) {
                ShortVector lo = ShortVector.zero(S); // a pair of lanes: at most eight products of 15 * 127
                ShortVector hi = ShortVector.zero(S);
                for (int c = 0; c < 32; c += C) {
                    ShortVector z = bytes(w, bo + 16 + 32L * g + c, true);
                    lo = lo.add(z.and(nibble).mul(ShortVector.fromArray(S, q16, x0 + 64 * g + c)));
                    hi = hi.add(z.lanewise(VectorOperators.LSHR, 4)
                            .mul(ShortVector.fromArray(S, q16, x0 + 64 * g + 32 + c)));
                }
                isum = isum.add(pairSums(lo).mul(IntVector.broadcast(I, (int) (sc >>> (16 * g)) & 0xFF)))
                        .add(pairSums(hi).mul(IntVector.broadcast(I, (int) (sc >>> (16 * g + 8)) & 0xFF)));
            }
            int msum = 0;
            for (int j = 0; j < 8; j++) {
                msum += ((int) (mn >>> (8 * j)) & 0xFF) * bsum32[x0 / 32 + j];
            }
            float da = d[x0 / 256];
            mins -= da * Float.float16ToFloat(w.get(LE_SHORT, bo + 2)) * msum;
            float scale = da * Float.float16ToFloat(w.get(LE_SHORT, bo));
            acc = ((FloatVector) isum.convert(VectorOperators.I2F, 0)).fma(FloatVector.broadcast(F, scale), acc);
        }
        // hsum written out: a helper parsed this late in a kernel this size is past C2's inlining budget, and a call
        // taking a vector boxes it (one per row)
        if (F.length() == 8) {
            return ((acc.lane(0) + acc.lane(4)) + (acc.lane(2) + acc.lane(6)))
                    + ((acc.lane(1) + acc.lane(5)) + (acc.lane(3) + acc.lane(7))) + mins;
        }
        return ((acc.lane(0) + acc.lane(2)) + (acc.lane(1) + acc.lane(3))) + mins;
    }

    @Override
    public float dotQ5K(MemorySegment w, long off, QuantizedActivations a, int xOff, int n) {
        return scalar.dotQ5K(w, off, a, xOff, n);
    }

    @Override
    public float dotQ6K(MemorySegment w, long off, QuantizedActivations act, int xOff, int n) {
        short[] q16 = act.q16;
        float[] d = act.d;
        FloatVector acc = FloatVector.zero(F);
        ShortVector nibble = ShortVector.broadcast(S, (short) 0xF);
        ShortVector three = ShortVector.broadcast(S, (short) 3);
        ShortVector offset = ShortVector.broadcast(S, (short) 32);
        for (int b = 0; b < n / 256; b++) {
            long bo = off + 210L * b;
            int x0 = xOff + 256 * b;
            IntVector isum = IntVector.zero(I);
            for (int h = 0; h < 2; h++) {
                for (int l = 0; l < 32; l += C) { // C divides 16: one scale per stream in a chunk
                    ShortVector qh = bytes(w, bo + 128 + 32 * h + l, true);
                    // value 128h + 32k + l: low bits from ql[64h + 32(k & 1) + l] (high nibble for k >= 2), two
                    // high bits from qh >> 2k; one stream per pass, so C2 parses this body once (written out four
                    // times it grew past C2's inlining budget and boxed a vector per chunk)
                    for (int k = 0; k < 4; k++) {
                        ShortVector ql = bytes(w, bo + 64 * h + 32 * (k & 1) + l, true);
                        ShortVector v = ql.lanewise(VectorOperators.LSHR, 4 * (k >> 1)).and(nibble).or(
                                qh.lanewise(VectorOperators.LSHR, 2 * k).and(three).lanewise(VectorOperators.LSHL, 4));
                        int scale = w.get(ValueLayout.JAVA_BYTE, bo + 192 + 8 * h + l / 16 + 2 * k);
                        ShortVector x = ShortVector.fromArray(S, q16, x0 + 128 * h + 32 * k + l);
                        isum = isum.add(pairSums(v.sub(offset).mul(x)).mul(IntVector.broadcast(I, scale)));
                    }
                }
            }
            float scale = Float.float16ToFloat(w.get(LE_SHORT, bo + 208)) * d[x0 / 256];
            acc = ((FloatVector) isum.convert(VectorOperators.I2F, 0)).fma(FloatVector.broadcast(F, scale), acc);
        }
        if (F.length() == 8) { // hsum written out, as in dotQ4K
            return ((acc.lane(0) + acc.lane(4)) + (acc.lane(2) + acc.lane(6)))
                    + ((acc.lane(1) + acc.lane(5)) + (acc.lane(3) + acc.lane(7)));
        }
        return (acc.lane(0) + acc.lane(2)) + (acc.lane(1) + acc.lane(3));
    }

    /**
     * Prefill: Q4_K, Q6_K and Q8_0 rows against two tokens per pass, so each weight chunk is loaded and unpacked once
     * for both. Per token the operations are the one-token kernel's in the same order: bit-identical to decode.
     */
    @Override
    protected boolean matRowsBatched(GgmlType type, MemorySegment w, long rowBytes, int r0, int r1,
                                     QuantizedActivations a, int n, int cols, float[] out, int outStride,
                                     float[] bias) {
        if (type != GgmlType.Q4_K && type != GgmlType.Q6_K && type != GgmlType.Q8_0) {
            return false;
        }
        for (int r = r0; r < r1; r++) {
            long off = r * rowBytes;
            float b = bias == null ? 0 : bias[r];
            int t = 0;
            for (; t + 1 < n; t += 2) {
                int oa = t * outStride + r;
                int ob = (t + 1) * outStride + r;
                switch (type) {
                    case Q4_K -> dotQ4K2(w, off, a, t * cols, (t + 1) * cols, cols, out, oa, ob, b);
                    case Q6_K -> dotQ6K2(w, off, a, t * cols, (t + 1) * cols, cols, out, oa, ob, b);
                    default -> dotQ8_02(w, off, a, t * cols, (t + 1) * cols, cols, out, oa, ob, b);
                }
            }
            if (t < n) {
                out[t * outStride + r] = dot(type, w, off, a, t, cols) + b;
            }
        }
        return true;
    }

    /** {@link #dotQ8_0} for the tokens at {@code xa} and {@code xb}, plus {@code bias}, into out[oa] and out[ob]. */
    private static void dotQ8_02(MemorySegment w, long off, QuantizedActivations a, int xa, int xb, int n,
                                 float[] out, int oa, int ob, float bias) {
        short[] q16 = a.q16;
        float[] d = a.d;
        FloatVector accA = FloatVector.zero(F);
        FloatVector accAHi = FloatVector.zero(F);
        FloatVector accB = FloatVector.zero(F);
        FloatVector accBHi = FloatVector.zero(F);
        for (int b = 0; b < n / 32; b++) {
            long bo = off + 34L * b;
            IntVector isumA = IntVector.zero(I);
            IntVector isumAHi = IntVector.zero(I);
            IntVector isumB = IntVector.zero(I);
            IntVector isumBHi = IntVector.zero(I);
            for (int c = 0; c < 32; c += C) {
                ShortVector v = bytes(w, bo + 2 + c, false);
                IntVector pa = pairSums(v.mul(ShortVector.fromArray(S, q16, xa + 32 * b + c)));
                IntVector pb = pairSums(v.mul(ShortVector.fromArray(S, q16, xb + 32 * b + c)));
                if (BITS == 128 && (c & C) != 0) {
                    isumAHi = isumAHi.add(pa);
                    isumBHi = isumBHi.add(pb);
                } else {
                    isumA = isumA.add(pa);
                    isumB = isumB.add(pb);
                }
            }
            float dw = Float.float16ToFloat(w.get(LE_SHORT, bo));
            FloatVector sa = FloatVector.broadcast(F, dw * d[xa / 32 + b]);
            FloatVector sb = FloatVector.broadcast(F, dw * d[xb / 32 + b]);
            accA = ((FloatVector) isumA.convert(VectorOperators.I2F, 0)).fma(sa, accA);
            accB = ((FloatVector) isumB.convert(VectorOperators.I2F, 0)).fma(sb, accB);
            if (BITS == 128) {
                accAHi = ((FloatVector) isumAHi.convert(VectorOperators.I2F, 0)).fma(sa, accAHi);
                accBHi = ((FloatVector) isumBHi.convert(VectorOperators.I2F, 0)).fma(sb, accBHi);
            }
        }
        if (BITS == 128) {
            out[oa] = ((accA.lane(0) + accAHi.lane(0)) + (accA.lane(2) + accAHi.lane(2)))
                    + ((accA.lane(1) + accAHi.lane(1)) + (accA.lane(3) + accAHi.lane(3))) + bias;
            out[ob] = ((accB.lane(0) + accBHi.lane(0)) + (accB.lane(2) + accBHi.lane(2)))
                    + ((accB.lane(1) + accBHi.lane(1)) + (accB.lane(3) + accBHi.lane(3))) + bias;
        } else {
            out[oa] = ((accA.lane(0) + accA.lane(4)) + (accA.lane(2) + accA.lane(6)))
                    + ((accA.lane(1) + accA.lane(5)) + (accA.lane(3) + accA.lane(7))) + bias;
            out[ob] = ((accB.lane(0) + accB.lane(4)) + (accB.lane(2) + accB.lane(6)))
                    + ((accB.lane(1) + accB.lane(5)) + (accB.lane(3) + accB.lane(7))) + bias;
        }
    }

    /** {@link #dotQ4K} for two tokens, as {@link #dotQ8_02}. */
    private static void dotQ4K2(MemorySegment w, long off, QuantizedActivations a, int xa, int xb, int n,
                                float[] out, int oa, int ob, float bias) {
        short[] q16 = a.q16;
        float[] d = a.d;
        int[] bsum32 = a.bsum32;
        FloatVector accA = FloatVector.zero(F);
        FloatVector accB = FloatVector.zero(F);
        float minsA = 0;
        float minsB = 0;
        ShortVector nibble = ShortVector.broadcast(S, (short) 0xF);
        for (int b = 0; b < n / 256; b++) {
            long bo = off + 144L * b;
            int u0 = w.get(LE_INT, bo + 4);
            int u1 = w.get(LE_INT, bo + 8);
            int u2 = w.get(LE_INT, bo + 12);
            long sc = VectorKernels.k4Scales(u0, u2);
            long mn = VectorKernels.k4Mins(u1, u2);
            IntVector isumA = IntVector.zero(I);
            IntVector isumB = IntVector.zero(I);
            for (int g = 0; g < 4; g++) {
                ShortVector loA = ShortVector.zero(S);
                ShortVector hiA = ShortVector.zero(S);
                ShortVector loB = ShortVector.zero(S);
                ShortVector hiB = ShortVector.zero(S);
                int xg = 256 * b + 64 * g;
                for (int c = 0; c < 32; c += C) {
                    ShortVector z = bytes(w, bo + 16 + 32L * g + c, true);
                    ShortVector zl = z.and(nibble);
                    ShortVector zh = z.lanewise(VectorOperators.LSHR, 4);
                    loA = loA.add(zl.mul(ShortVector.fromArray(S, q16, xa + xg + c)));
                    hiA = hiA.add(zh.mul(ShortVector.fromArray(S, q16, xa + xg + 32 + c)));
                    loB = loB.add(zl.mul(ShortVector.fromArray(S, q16, xb + xg + c)));
                    hiB = hiB.add(zh.mul(ShortVector.fromArray(S, q16, xb + xg + 32 + c)));
                }
                IntVector sLo = IntVector.broadcast(I, (int) (sc >>> (16 * g)) & 0xFF);
                IntVector sHi = IntVector.broadcast(I, (int) (sc >>> (16 * g + 8)) & 0xFF);
                isumA = isumA.add(pairSums(loA).mul(sLo)).add(pairSums(hiA).mul(sHi));
                isumB = isumB.add(pairSums(loB).mul(sLo)).add(pairSums(hiB).mul(sHi));
            }
            int msumA = 0;
            int msumB = 0;
            for (int j = 0; j < 8; j++) {
                int m = (int) (mn >>> (8 * j)) & 0xFF;
                msumA += m * bsum32[(xa + 256 * b) / 32 + j];
                msumB += m * bsum32[(xb + 256 * b) / 32 + j];
            }
            float dmin = Float.float16ToFloat(w.get(LE_SHORT, bo + 2));
            float dw = Float.float16ToFloat(w.get(LE_SHORT, bo));
            float da = d[(xa + 256 * b) / 256];
            float db = d[(xb + 256 * b) / 256];
            minsA -= da * dmin * msumA;
            minsB -= db * dmin * msumB;
            accA = ((FloatVector) isumA.convert(VectorOperators.I2F, 0)).fma(FloatVector.broadcast(F, da * dw), accA);
            accB = ((FloatVector) isumB.convert(VectorOperators.I2F, 0)).fma(FloatVector.broadcast(F, db * dw), accB);
        }
        if (F.length() == 8) {
            out[oa] = ((accA.lane(0) + accA.lane(4)) + (accA.lane(2) + accA.lane(6)))
                    + ((accA.lane(1) + accA.lane(5)) + (accA.lane(3) + accA.lane(7))) + minsA + bias;
            out[ob] = ((accB.lane(0) + accB.lane(4)) + (accB.lane(2) + accB.lane(6)))
                    + ((accB.lane(1) + accB.lane(5)) + (accB.lane(3) + accB.lane(7))) + minsB + bias;
        } else {
            out[oa] = ((accA.lane(0) + accA.lane(2)) + (accA.lane(1) + accA.lane(3))) + minsA + bias;
            out[ob] = ((accB.lane(0) + accB.lane(2)) + (accB.lane(1) + accB.lane(3))) + minsB + bias;
        }
    }

    /** {@link #dotQ6K} for two tokens, as {@link #dotQ8_02}. */
    private static void dotQ6K2(MemorySegment w, long off, QuantizedActivations act, int xa, int xb, int n,
                                float[] out, int oa, int ob, float bias) {
        short[] q16 = act.q16;
        float[] d = act.d;
        FloatVector accA = FloatVector.zero(F);
        FloatVector accB = FloatVector.zero(F);
        ShortVector nibble = ShortVector.broadcast(S, (short) 0xF);
        ShortVector three = ShortVector.broadcast(S, (short) 3);
        ShortVector offset = ShortVector.broadcast(S, (short) 32);
        for (int b = 0; b < n / 256; b++) {
            long bo = off + 210L * b;
            IntVector isumA = IntVector.zero(I);
            IntVector isumB = IntVector.zero(I);
            for (int h = 0; h < 2; h++) {
                for (int l = 0; l < 32; l += C) {
                    ShortVector qh = bytes(w, bo + 128 + 32 * h + l, true);
                    for (int k = 0; k < 4; k++) {
                        ShortVector ql = bytes(w, bo + 64 * h + 32 * (k & 1) + l, true);
                        ShortVector v = ql.lanewise(VectorOperators.LSHR, 4 * (k >> 1)).and(nibble).or(
                                qh.lanewise(VectorOperators.LSHR, 2 * k).and(three).lanewise(VectorOperators.LSHL, 4))
                                .sub(offset);
                        IntVector scale = IntVector.broadcast(I, w.get(ValueLayout.JAVA_BYTE,
                                bo + 192 + 8 * h + l / 16 + 2 * k));
                        int x = 256 * b + 128 * h + 32 * k + l;
                        isumA = isumA.add(pairSums(v.mul(ShortVector.fromArray(S, q16, xa + x))).mul(scale));
                        isumB = isumB.add(pairSums(v.mul(ShortVector.fromArray(S, q16, xb + x))).mul(scale));
                    }
                }
            }
            float dw = Float.float16ToFloat(w.get(LE_SHORT, bo + 208));
            accA = ((FloatVector) isumA.convert(VectorOperators.I2F, 0))
                    .fma(FloatVector.broadcast(F, dw * d[(xa + 256 * b) / 256]), accA);
            accB = ((FloatVector) isumB.convert(VectorOperators.I2F, 0))
                    .fma(FloatVector.broadcast(F, dw * d[(xb + 256 * b) / 256]), accB);
        }
        if (F.length() == 8) {
            out[oa] = ((accA.lane(0) + accA.lane(4)) + (accA.lane(2) + accA.lane(6)))
                    + ((accA.lane(1) + accA.lane(5)) + (accA.lane(3) + accA.lane(7))) + bias;
            out[ob] = ((accB.lane(0) + accB.lane(4)) + (accB.lane(2) + accB.lane(6)))
                    + ((accB.lane(1) + accB.lane(5)) + (accB.lane(3) + accB.lane(7))) + bias;
        } else {
            out[oa] = ((accA.lane(0) + accA.lane(2)) + (accA.lane(1) + accA.lane(3))) + bias;
            out[ob] = ((accB.lane(0) + accB.lane(2)) + (accB.lane(1) + accB.lane(3))) + bias;
        }
    }

    /**
     * ggml's AVX-512 order (see {@link Kernels#dotGgmlF16Order}): four 16-lane accumulators, each held here as
     * {@code 16 / F.length()} vectors (two at 256 bits, four at 128), reduced in the same order. Bit-identical.
     */
    @Override
    public float dotGgmlF16Order(float[] q, int qOff, float[] k, int kOff, int n) {
        if (n % 64 != 0) {
            return dot(q, qOff, k, kOff, n);
        }
        int L = F.length();
        // lanes 0..15 of each of the four accumulators: a (0..7) and b (8..15) at 256 bits; at 128 bits a0, a1, b0,
        // b1 hold lanes 0..3, 4..7, 8..11, 12..15
        FloatVector z = FloatVector.zero(F);
        FloatVector a0 = z, a1 = z, a2 = z, a3 = z, b0 = z, b1 = z, b2 = z, b3 = z;
        FloatVector c0 = z, c1 = z, c2 = z, c3 = z, d0 = z, d1 = z, d2 = z, d3 = z;
        for (int i = 0; i < n; i += 64) {
            int kq = kOff + i;
            int qq = qOff + i;
            a0 = FloatVector.fromArray(F, k, kq).fma(FloatVector.fromArray(F, q, qq), a0);
            b0 = FloatVector.fromArray(F, k, kq + L).fma(FloatVector.fromArray(F, q, qq + L), b0);
            a1 = FloatVector.fromArray(F, k, kq + 16).fma(FloatVector.fromArray(F, q, qq + 16), a1);
            b1 = FloatVector.fromArray(F, k, kq + 16 + L).fma(FloatVector.fromArray(F, q, qq + 16 + L), b1);
            a2 = FloatVector.fromArray(F, k, kq + 32).fma(FloatVector.fromArray(F, q, qq + 32), a2);
            b2 = FloatVector.fromArray(F, k, kq + 32 + L).fma(FloatVector.fromArray(F, q, qq + 32 + L), b2);
            a3 = FloatVector.fromArray(F, k, kq + 48).fma(FloatVector.fromArray(F, q, qq + 48), a3);
            b3 = FloatVector.fromArray(F, k, kq + 48 + L).fma(FloatVector.fromArray(F, q, qq + 48 + L), b3);
            if (L == 4) {
                c0 = FloatVector.fromArray(F, k, kq + 8).fma(FloatVector.fromArray(F, q, qq + 8), c0);
                d0 = FloatVector.fromArray(F, k, kq + 12).fma(FloatVector.fromArray(F, q, qq + 12), d0);
                c1 = FloatVector.fromArray(F, k, kq + 24).fma(FloatVector.fromArray(F, q, qq + 24), c1);
                d1 = FloatVector.fromArray(F, k, kq + 28).fma(FloatVector.fromArray(F, q, qq + 28), d1);
                c2 = FloatVector.fromArray(F, k, kq + 40).fma(FloatVector.fromArray(F, q, qq + 40), c2);
                d2 = FloatVector.fromArray(F, k, kq + 44).fma(FloatVector.fromArray(F, q, qq + 44), d2);
                c3 = FloatVector.fromArray(F, k, kq + 56).fma(FloatVector.fromArray(F, q, qq + 56), c3);
                d3 = FloatVector.fromArray(F, k, kq + 60).fma(FloatVector.fromArray(F, q, qq + 60), d3);
            }
        }
        // v[l] = (acc0 + acc2) + (acc1 + acc3); then a[l] = v[l] + v[l + 8]; then hsum_float_8
        FloatVector va = a0.add(a2).add(a1.add(a3));
        FloatVector vb = b0.add(b2).add(b1.add(b3));
        if (L == 8) {
            FloatVector h = va.add(vb); // lanes l and l + 8
            return ((h.lane(0) + h.lane(4)) + (h.lane(2) + h.lane(6)))
                    + ((h.lane(1) + h.lane(5)) + (h.lane(3) + h.lane(7)));
        }
        FloatVector vc = c0.add(c2).add(c1.add(c3));
        FloatVector vd = d0.add(d2).add(d1.add(d3));
        FloatVector lo = va.add(vc); // a[0..3]: v[0..3] + v[8..11]
        FloatVector hi = vb.add(vd); // a[4..7]: v[4..7] + v[12..15]
        return ((lo.lane(0) + hi.lane(0)) + (lo.lane(2) + hi.lane(2)))
                + ((lo.lane(1) + hi.lane(1)) + (lo.lane(3) + hi.lane(3)));
    }

    @Override
    public void madF16(float[] acc, float[] v, int vOff, float s, int n) {
        fmaRoundF16(acc, v, vOff, s, true, n);
    }

    @Override
    public void scaleF16(float[] acc, float s, int n) {
        fmaRoundF16(acc, acc, 0, s, false, n); // fma with -0 is the product, rounded once, -0 kept
    }

    /**
     * {@code acc[i] = f16(fma(x[xOff + i], s, accumulate ? acc[i] : -0))}: VectorKernels' rounding (see its
     * fmaRoundF16) at this width, written out in the loop for the same reason, constants broadcast explicitly.
     */
    private static void fmaRoundF16(float[] acc, float[] x, int xOff, float s, boolean accumulate, int n) {
        FloatVector sv = FloatVector.broadcast(F, s);
        FloatVector negZero = FloatVector.broadcast(F, -0f);
        IntVector expMask = IntVector.broadcast(I, 0xFF);
        IntVector minExp = IntVector.broadcast(I, 127 - 14);
        IntVector thirteen = IntVector.broadcast(I, 13);
        IntVector half = IntVector.broadcast(I, 0x400000);
        IntVector signBit = IntVector.broadcast(I, 0x80000000);
        int L = F.length();
        int i = 0;
        for (; i <= n - L; i += L) {
            FloatVector y = FloatVector.fromArray(F, x, xOff + i)
                    .fma(sv, accumulate ? FloatVector.fromArray(F, acc, i) : negZero);
            IntVector bits = y.reinterpretAsInts();
            IntVector exp = bits.lanewise(VectorOperators.LSHR, 23).and(expMask).max(minExp);
            FloatVector c = exp.add(thirteen).lanewise(VectorOperators.LSHL, 23).or(half).reinterpretAsFloats();
            y.add(c).sub(c).reinterpretAsInts().or(bits.and(signBit)).reinterpretAsFloats().intoArray(acc, i);
        }
        for (; i < n; i++) {
            acc[i] = Fp.roundF16(Math.fma(x[xOff + i], s, accumulate ? acc[i] : -0f));
        }
    }

    /** f16 to float for the KV cache, as VectorKernels' f16ToFloat (exact for every bit pattern), at this width. */
    @Override
    public void f16ToFloat(MemorySegment src, long off, float[] dst, int dstOff, int n) {
        IntVector signMask = IntVector.broadcast(I, 0x8000);
        IntVector magMask = IntVector.broadcast(I, 0x7FFF);
        FloatVector rebias = FloatVector.broadcast(F, 0x1p112f);
        IntVector inf = IntVector.broadcast(I, 0x400);
        IntVector expAll = IntVector.broadcast(I, 0x7F800000);
        int L = F.length();
        int i = 0;
        for (; i <= n - L; i += L) {
            IntVector v = (IntVector) ShortVector.fromMemorySegment(SH, src, off + 2L * i, LE)
                    .convertShape(VectorOperators.S2I, I, 0);
            IntVector sign = v.and(signMask).lanewise(VectorOperators.LSHL, 16);
            IntVector mag = v.and(magMask);
            FloatVector f = mag.lanewise(VectorOperators.LSHL, 13).reinterpretAsFloats().mul(rebias);
            IntVector special = mag.add(inf).lanewise(VectorOperators.LSHR, 15).neg().and(expAll);
            f.reinterpretAsInts().or(special).or(sign).reinterpretAsFloats().intoArray(dst, dstOff + i);
        }
        for (; i < n; i++) {
            dst[dstOff + i] = Float.float16ToFloat(src.get(LE_SHORT, off + 2L * i));
        }
    }

    @Override
    public float dot(float[] a, int aOff, float[] b, int bOff, int n) {
        FloatVector acc = FloatVector.zero(F);
        int L = F.length();
        int i = 0;
        for (; i <= n - L; i += L) {
            acc = FloatVector.fromArray(F, a, aOff + i).fma(FloatVector.fromArray(F, b, bOff + i), acc);
        }
        float s = hsum(acc);
        for (; i < n; i++) {
            s += a[aOff + i] * b[bOff + i];
        }
        return s;
    }

    @Override
    public void axpy(float s, float[] x, int xOff, float[] y, int yOff, int n) {
        FloatVector sv = FloatVector.broadcast(F, s);
        int L = F.length();
        int i = 0;
        for (; i <= n - L; i += L) {
            FloatVector.fromArray(F, x, xOff + i).fma(sv, FloatVector.fromArray(F, y, yOff + i))
                    .intoArray(y, yOff + i);
        }
        for (; i < n; i++) {
            y[yOff + i] += s * x[xOff + i];
        }
    }
}
