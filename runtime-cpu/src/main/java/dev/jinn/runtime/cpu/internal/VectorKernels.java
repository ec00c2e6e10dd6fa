package dev.jinn.runtime.cpu.internal;

import dev.jinn.quant.GgmlType;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.LongVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShuffle;
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
    private static final VectorSpecies<Float> F128 = FloatVector.SPECIES_128;
    private static final VectorSpecies<Integer> I256 = IntVector.SPECIES_256;

    @Override
    public String name() {
        return "vector";
    }

    /**
     * Sum of the 16 lanes in a fixed order (halving tree, as _mm512_reduce_add_ps): unlike reduceLanes, whose order
     * may change when the JIT compiles a method, this gives the same float on every call.
     */
    static float hsum(FloatVector v) {
        // lanes i and i + 8, then i and i + 4, then i and i + 2, as three in-register permutes: sixteen lane()
        // extractions compile to sixteen calls when the caller is too large for C2 to inline them
        FloatVector a = v.add(v.rearrange(SWAP_8));
        FloatVector b = a.add(a.rearrange(SWAP_4));
        FloatVector c = b.add(b.rearrange(SWAP_2));
        return c.lane(0) + c.lane(1);
    }

    /** {@link #hsum(FloatVector)} of the 16 floats at {@code f[off..]}: the same additions in the same order. */
    static float hsum(float[] f, int off) {
        float a0 = f[off] + f[off + 8], a1 = f[off + 1] + f[off + 9];
        float a2 = f[off + 2] + f[off + 10], a3 = f[off + 3] + f[off + 11];
        float a4 = f[off + 4] + f[off + 12], a5 = f[off + 5] + f[off + 13];
        float a6 = f[off + 6] + f[off + 14], a7 = f[off + 7] + f[off + 15];
        return ((a0 + a4) + (a2 + a6)) + ((a1 + a5) + (a3 + a7));
    }

    private static final VectorShuffle<Float> SWAP_8 = VectorShuffle.fromOp(F512, i -> i ^ 8);
    private static final VectorShuffle<Float> SWAP_4 = VectorShuffle.fromOp(F512, i -> i ^ 4);
    private static final VectorShuffle<Float> SWAP_2 = VectorShuffle.fromOp(F512, i -> i ^ 2);

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
        // infinities and NaN (mag >= 0x7C00, so mag + 0x400 reaches bit 15) take the all-ones exponent; their
        // rebiased bits are 0x478..., a subset of it. Arithmetic, not compare + blend: blend compiled to its boxed
        // fallback where the KV cache is read
        IntVector special = mag.add(0x400).lanewise(VectorOperators.LSHR, 15).neg().and(0x7F800000);
        return f.reinterpretAsInts().or(special).or(sign).reinterpretAsFloats();
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
    private static final VectorSpecies<Long> L512 = LongVector.SPECIES_512;
    private static final ValueLayout.OfInt LE_INT = ValueLayout.JAVA_INT_UNALIGNED.withOrder(LE);

    /*
     * How the integer kernels are shaped (measured with JMH on Zen 5, see MatVecBenchmark):
     * - activations arrive widened to int16 (QuantizedActivations.q16), so a weight chunk is zero- or sign-extended
     *   once and multiplied with vpmullw against a 512-bit load of activations;
     * - int16 products are summed in adjacent pairs inside their 32-bit lane as (x + (x << 16)) >> 16: three
     *   instructions, the job _mm512_madd_epi16 does in ggml (the Vector API has no multiply-add of pairs);
     * - one loop per super-block with a short inner loop over its chunks: C2 then inlines every vector operation
     *   once. Unrolling the chunks by hand multiplies the IR until C2 gives up inlining (NodeCountInliningCutoff) and
     *   boxes vectors, three times slower;
     * - no calls in the loop: a helper that does not inline costs a call plus vzeroupper per use;
     * - no helper methods of ours in the one-token kernels (dotQ4K, dotQ5K, dotQ6K, dotQ8_0, dotQ4_0): they write
     *   out the int16 pair sums above, hsum, k4Scales and k4Mins. C2 counts IR nodes while it parses a
     *   method, and past its budget (NodeCountInliningCutoff) stops inlining our methods but still inlines the JDK's
     *   @ForceInline vector methods, so a helper parsed late becomes a call: one taking or making vectors boxes them
     *   on every block, a scalar one spills every vector register around the call. dotQ4K sat at that edge: after a
     *   recompile (uncommon trap) about one `jinn bench` run in three decoded 1.5B Q4_K_M at 6-7 instead of 16-19
     *   tokens/s, with some 350 young collections instead of 17 (-Xlog:gc);
     * - a helper taking or making vectors serves one vector shape only. The JIT's type profile of the calls inside a
     *   helper is shared by all its callers: once one caller passes 256-bit vectors and another 512-bit ones, C2
     *   compiles both shapes behind a type check and boxes the vector where the paths meet. One shared pairSums
     *   halved decode speed after every prefill that took the batched path (1.5B Q4_K_M: 4 against 9-11 tokens/s).
     *   The JDK's own forms with a scalar operand are such helpers: {@code FloatVector.mul(float)} calls a virtual
     *   {@code broadcast}, profiled across all callers, so a 512-bit {@code v.mul(x)} boxed in a process where a
     *   256-bit one had run too (pp64 15% slower, hundreds of collections). The prefill kernels write
     *   {@code v.mul(FloatVector.broadcast(F512, x))}.
     */

    /**
     * ggml's lane order (see {@link ScalarKernels#dotQ8_0}): the 32 products of a block summed in groups of four
     * consecutive values, as dpbusd/madd give them, then one fused multiply-add per block into eight float lanes.
     */
    @Override
    public float dotQ8_0(MemorySegment w, long off, QuantizedActivations a, int xOff, int n) {
        short[] q16 = a.q16;
        float[] d = a.d;
        FloatVector acc = FloatVector.zero(F256);
        int blocks = n / 32;
        int d0 = xOff / 32;
        for (int b = 0; b < blocks; b++) {
            long bo = off + 34L * b;
            ShortVector v = (ShortVector) ByteVector.fromMemorySegment(B256, w, bo + 2, LE)
                    .convertShape(VectorOperators.B2S, S512, 0);
            IntVector pairs = v.mul(ShortVector.fromArray(S512, q16, xOff + 32 * b)).reinterpretAsInts();
            LongVector quads = pairs.add(pairs.lanewise(VectorOperators.LSHL, 16)).lanewise(VectorOperators.ASHR, 16)
                    .reinterpretAsLongs();
            quads = quads.add(quads.lanewise(VectorOperators.LSHL, 32)).lanewise(VectorOperators.ASHR, 32);
            float scale = Float.float16ToFloat(w.get(LE_SHORT, bo)) * d[d0 + b];
            acc = FloatVector.broadcast(F256, scale).fma((FloatVector) quads.convertShape(VectorOperators.L2F, F256, 0),
                    acc);
        }
        float r0 = acc.lane(4) + acc.lane(0);
        float r1 = acc.lane(5) + acc.lane(1);
        float r2 = acc.lane(6) + acc.lane(2);
        float r3 = acc.lane(7) + acc.lane(3);
        return (r0 + r2) + (r1 + r3);
    }

    @Override
    public float dotQ4_0(MemorySegment w, long off, QuantizedActivations a, int xOff, int n) {
        short[] q16 = a.q16;
        float[] d = a.d;
        FloatVector acc = FloatVector.zero(F512);
        int blocks = n / 32;
        int d0 = xOff / 32;
        for (int b = 0; b < blocks; b++) {
            long bo = off + 18L * b;
            // 16 bytes: low nibbles are values 0..15, high nibbles 16..31
            ShortVector z = (ShortVector) ByteVector.fromMemorySegment(B128, w, bo + 2, LE)
                    .convertShape(VectorOperators.ZERO_EXTEND_B2S, S256, 0);
            ShortVector p = z.and((short) 0xF).sub((short) 8).mul(ShortVector.fromArray(S256, q16, xOff + 32 * b))
                    .add(z.lanewise(VectorOperators.LSHR, 4).sub((short) 8)
                            .mul(ShortVector.fromArray(S256, q16, xOff + 32 * b + 16)));
            IntVector s = (IntVector) p.convertShape(VectorOperators.S2I, I512, 0);
            float scale = Float.float16ToFloat(w.get(LE_SHORT, bo)) * d[d0 + b];
            acc = ((FloatVector) s.convert(VectorOperators.I2F, 0)).fma(FloatVector.broadcast(F512, scale), acc);
        }
        FloatVector h2 = acc.add(acc.rearrange(SWAP_8)); // hsum, written out
        h2 = h2.add(h2.rearrange(SWAP_4));
        h2 = h2.add(h2.rearrange(SWAP_2));
        return h2.lane(0) + h2.lane(1);
    }

    /**
     * get_scale_min_k4 for all eight sub-blocks of a Q4_K/Q5_K block at once, from the 12 packed bytes read as
     * little-endian ints {@code u0, u1, u2}: the six-bit scales, sub-block j in byte j of the result.
     */
    static long k4Scales(int u0, int u2) {
        return (u0 & 0x3F3F3F3FL) | (long) ((u2 & 0x0F0F0F0F) | ((u0 >>> 6) & 0x03030303) << 4) << 32;
    }

    /** The six-bit mins of the eight sub-blocks, sub-block j in byte j (see {@link #k4Scales}). */
    static long k4Mins(int u1, int u2) {
        return (u1 & 0x3F3F3F3FL) | (long) (((u2 >>> 4) & 0x0F0F0F0F) | ((u1 >>> 6) & 0x03030303) << 4) << 32;
    }

    /** Byte j of {@code packed}. */
    private static int byteAt(long packed, int j) {
        return (int) (packed >>> (8 * j)) & 0xFF;
    }

    private static final ValueLayout.OfLong LE_LONG = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(LE);
    private static final VectorSpecies<Long> L128 = LongVector.SPECIES_128;

    /*
     * The Q4_K one-token kernel sums products in int16 lanes before widening them, which takes a lane layout in
     * which every product vector of a super-block has the same sub-block in the same lane (the lanes of one 32-byte
     * chunk all belong to sub-blocks 2c and 2c + 1). Two byte permutes (vpermi2b) over the 128 quant bytes give four
     * 32-byte parts (m, p) whose byte i comes from chunk c = (i / 2) % 4, value o = 8 (2m + p) + 2 (i / 8) + i % 2:
     * then the low nibbles of all four parts share one lane layout (sub-block 2c), the high nibbles another (2c + 1),
     * and the four parts' products add up lane by lane in int16 (at most 4 * 15 * 127), then in pairs in int32.
     * The activations are permuted to match once per token (QuantizedActivations.q16p, laid out by Q4K_ACT).
     * Against the previous kernel (ggml's AVX2 lane order, int32 pair sums and a scale multiply per sub-block):
     * ~55 instead of ~90 vector instructions per super-block.
     */

    /** Int lane k of the kernel's sums holds sub-blocks 2 (k % 4) (low nibbles) and 2 (k % 4) + 1 (high). */
    private static final IntVector Q4K_LO_SCALE;
    private static final IntVector Q4K_HI_SCALE;
    /**
     * Where {@code q16p[256 b + 32 v + i]} comes from in its super-block: vector v = 2 (2m + p) + h (h = 1 for the
     * high nibbles), lane i, is value {@code Q4K_ACT[32 v + i]}.
     */
    static final int[] Q4K_ACT = new int[256];
    /** Q4K_ACT mod 128 as byte permute indexes, vector v's 32 in bytes 64 v..64 v + 31 (for prepare). */
    private static final byte[] Q4K_ACT_BYTES = new byte[512];
    /** -1 in the byte lanes whose value Q4K_ACT takes from the first 128 values of a super-block, 0 elsewhere. */
    private static final byte[] Q4K_FIRST_HALF = new byte[64];
    /** Byte permutes over a super-block's 128 quant bytes, one per part k = 2m + p, with its bytes in the low 32. */
    private static final byte[] Q4K_PART = new byte[256];
    /** For dotQ4K: parts 0 and 1 (2 and 3) interleaved, byte 2i from the first part's byte i, 2i + 1 the second's. */
    private static final ByteVector Q4K_PAIR01;
    private static final ByteVector Q4K_PAIR23;

    static {
        byte[] perm = new byte[128];
        int[] lo = new int[16];
        int[] hi = new int[16];
        for (int m = 0; m < 2; m++) {
            for (int p = 0; p < 2; p++) {
                for (int i = 0; i < 32; i++) {
                    int c = (i / 2) % 4;
                    int o = 8 * (2 * m + p) + 2 * (i / 8) + i % 2;
                    perm[64 * m + 32 * p + i] = (byte) (32 * c + o);
                    for (int h = 0; h < 2; h++) {
                        Q4K_ACT[32 * (2 * (2 * m + p) + h) + i] = 32 * (2 * c + h) + o;
                    }
                }
            }
        }
        for (int k = 0; k < 16; k++) {
            lo[k] = 2 * (k % 4);
            hi[k] = 2 * (k % 4) + 1;
        }
        for (int k = 0; k < 4; k++) { // part k's 32 bytes; the upper 32 indexes of each permute stay 0 (unread)
            for (int i = 0; i < 32; i++) {
                Q4K_PART[64 * k + i] = perm[32 * k + i];
            }
        }
        for (int v = 0; v < 8; v++) {
            for (int i = 0; i < 32; i++) {
                Q4K_ACT_BYTES[64 * v + i] = (byte) (Q4K_ACT[32 * v + i] % 128);
                Q4K_FIRST_HALF[i] = (byte) (Q4K_ACT[32 * v + i] < 128 ? -1 : 0); // the same for every v
            }
        }
        byte[] pairs = new byte[128];
        for (int i = 0; i < 32; i++) {
            for (int k = 0; k < 2; k++) {
                pairs[64 * k + 2 * i] = Q4K_PART[64 * (2 * k) + i];
                pairs[64 * k + 2 * i + 1] = Q4K_PART[64 * (2 * k + 1) + i];
            }
        }
        Q4K_PAIR01 = ByteVector.fromArray(ByteVector.SPECIES_512, pairs, 0);
        Q4K_PAIR23 = ByteVector.fromArray(ByteVector.SPECIES_512, pairs, 64);
        Q4K_LO_SCALE = IntVector.fromArray(I512, lo, 0);
        Q4K_HI_SCALE = IntVector.fromArray(I512, hi, 0);
    }

    private static final VectorSpecies<Byte> B512 = ByteVector.SPECIES_512;

    /**
     * Q4_K against Q8_K activations permuted as described above (QuantizedActivations.q16p). Per super-block: int
     * lane k sums the scaled products of 16 values (8 of sub-block 2 (k % 4), 8 of the next), exactly; one fused
     * multiply-add per lane with {@code d * d8}; the mins' eight products (exact) likewise with {@code -dmin * d8}. The
     * batched kernels (decodeQ4K, blockSums, finishQ4K4) put the same 16 values in the same lane, so prefill gives
     * these results bit for bit. Not ggml's lane order, so the scalar twin agrees up to float reassociation.
     */
    @Override
    public float dotQ4K(MemorySegment w, long off, QuantizedActivations a, int xOff, int n) {
        short[] qp = a.q16p;
        float[] d = a.d;
        int[] bsum32 = a.bsum32;
        FloatVector acc = FloatVector.zero(F512);
        FloatVector mins = FloatVector.zero(F256);
        for (int b = 0; b < n / 256; b++) {
            long bo = off + 144L * b;
            int x0 = xOff + 256 * b;
            long h0 = w.get(LE_LONG, bo);
            long h1 = w.get(LE_LONG, bo + 8);
            int u0 = (int) (h0 >>> 32);
            int u1 = (int) h1;
            int u2 = (int) (h1 >>> 32);
            // k4Scales, written out (see the notes above)
            long sc = (u0 & 0x3F3F3F3FL) | (long) ((u2 & 0x0F0F0F0F) | ((u0 >>> 6) & 0x03030303) << 4) << 32;
            // k4Mins, written out (see the notes above)
            long mn = (u1 & 0x3F3F3F3FL) | (long) (((u2 >>> 4) & 0x0F0F0F0F) | ((u1 >>> 6) & 0x03030303) << 4) << 32;
            ByteVector q0 = ByteVector.fromMemorySegment(B512, w, bo + 16, LE);
            ByteVector q1 = ByteVector.fromMemorySegment(B512, w, bo + 80, LE);
            // two parts per byte permute, interleaved (Q4K_PAIR01, Q4K_PAIR23): int16 lane i holds part 2k's byte i
            // in its low byte and part 2k + 1's in its high byte, so shifts and masks give the four nibble vectors
            // without a widening conversion (fewer instructions, and less IR: written out with one conversion per
            // part the method sat at C2's node budget and in some test JVMs boxed vectors)
            ShortVector s01 = Q4K_PAIR01.selectFrom(q0, q1).reinterpretAsShorts();
            ShortVector los = s01.and((short) 0xF).mul(ShortVector.fromArray(S512, qp, x0))
                    .add(s01.lanewise(VectorOperators.LSHR, 8).and((short) 0xF)
                            .mul(ShortVector.fromArray(S512, qp, x0 + 64)));
            ShortVector his = s01.lanewise(VectorOperators.LSHR, 4).and((short) 0xF)
                    .mul(ShortVector.fromArray(S512, qp, x0 + 32))
                    .add(s01.lanewise(VectorOperators.LSHR, 12).mul(ShortVector.fromArray(S512, qp, x0 + 96)));
            ShortVector s23 = Q4K_PAIR23.selectFrom(q0, q1).reinterpretAsShorts();
            los = los.add(s23.and((short) 0xF).mul(ShortVector.fromArray(S512, qp, x0 + 128)))
                    .add(s23.lanewise(VectorOperators.LSHR, 8).and((short) 0xF)
                            .mul(ShortVector.fromArray(S512, qp, x0 + 192)));
            his = his.add(s23.lanewise(VectorOperators.LSHR, 4).and((short) 0xF)
                    .mul(ShortVector.fromArray(S512, qp, x0 + 160)))
                    .add(s23.lanewise(VectorOperators.LSHR, 12).mul(ShortVector.fromArray(S512, qp, x0 + 224)));
            // adjacent int16 lanes summed into their int32 lane as (x + (x << 16)) >> 16, then scaled. The packed
            // scales and mins go through 512-bit broadcasts: with 128-bit ones (the only vectors of that shape here)
            // the compiled kernel boxed one per super-block in some test JVMs
            IntVector scales = (IntVector) LongVector.broadcast(L512, sc).reinterpretAsBytes()
                    .convertShape(VectorOperators.ZERO_EXTEND_B2I, I512, 0);
            IntVector li = los.reinterpretAsInts();
            IntVector hi = his.reinterpretAsInts();
            IntVector isum = li.add(li.lanewise(VectorOperators.LSHL, 16)).lanewise(VectorOperators.ASHR, 16)
                    .mul(Q4K_LO_SCALE.selectFrom(scales))
                    .add(hi.add(hi.lanewise(VectorOperators.LSHL, 16)).lanewise(VectorOperators.ASHR, 16)
                            .mul(Q4K_HI_SCALE.selectFrom(scales)));
            float da = d[x0 / 256];
            // the eight six-bit mins as ints times the activations' 32-value sums (exact), a lane each
            IntVector mp = ((IntVector) LongVector.broadcast(L512, mn).reinterpretAsBytes()
                    .convertShape(VectorOperators.ZERO_EXTEND_B2I, I256, 0))
                    .mul(IntVector.fromArray(I256, bsum32, x0 / 32));
            mins = FloatVector.broadcast(F256, -da * Float.float16ToFloat((short) (h0 >>> 16)))
                    .fma((FloatVector) mp.convert(VectorOperators.I2F, 0), mins);
            acc = FloatVector.broadcast(F512, da * Float.float16ToFloat((short) h0))
                    .fma((FloatVector) isum.convert(VectorOperators.I2F, 0), acc);
        }
        // hsum's halving order (see hsum(float[], int)) from extracted lanes, for the sixteen sums and then for the
        // mins' eight: five rearranges cost C2 about 6,000 IR nodes here, the lanes a third of that
        float a0 = acc.lane(0) + acc.lane(8), a1 = acc.lane(1) + acc.lane(9);
        float a2 = acc.lane(2) + acc.lane(10), a3 = acc.lane(3) + acc.lane(11);
        float a4 = acc.lane(4) + acc.lane(12), a5 = acc.lane(5) + acc.lane(13);
        float a6 = acc.lane(6) + acc.lane(14), a7 = acc.lane(7) + acc.lane(15);
        float m0 = mins.lane(0) + mins.lane(4), m1 = mins.lane(1) + mins.lane(5);
        float m2 = mins.lane(2) + mins.lane(6), m3 = mins.lane(3) + mins.lane(7);
        return (((a0 + a4) + (a2 + a6)) + ((a1 + a5) + (a3 + a7))) + ((m0 + m2) + (m1 + m3));
    }

    private static final VectorShuffle<Float> SWAP_4_256 = VectorShuffle.fromOp(F256, i -> i ^ 4);
    private static final VectorShuffle<Float> SWAP_2_256 = VectorShuffle.fromOp(F256, i -> i ^ 2);

    @Override
    public float dotQ5K(MemorySegment w, long off, QuantizedActivations a, int xOff, int n) {
        short[] q16 = a.q16;
        float[] d = a.d;
        int[] bsum32 = a.bsum32;
        FloatVector acc = FloatVector.zero(F512);
        float mins = 0;
        for (int b = 0; b < n / 256; b++) {
            long bo = off + 176L * b;
            int x0 = xOff + 256 * b;
            int u0 = w.get(LE_INT, bo + 4);
            int u1 = w.get(LE_INT, bo + 8);
            int u2 = w.get(LE_INT, bo + 12);
            // k4Mins, written out (see the notes above)
            long m = (u1 & 0x3F3F3F3FL) | (long) (((u2 >>> 4) & 0x0F0F0F0F) | ((u1 >>> 6) & 0x03030303) << 4) << 32;
            // k4Scales, written out (see the notes above)
            long sc = (u0 & 0x3F3F3F3FL) | (long) ((u2 & 0x0F0F0F0F) | ((u0 >>> 6) & 0x03030303) << 4) << 32;
            IntVector scales = (IntVector) LongVector.broadcast(L128, sc).reinterpretAsBytes()
                    .convertShape(VectorOperators.ZERO_EXTEND_B2I, I512, 0); // as in dotQ4K
            // bit j of qh[l] is the fifth bit of value l of sub-block j; shifted down two bits per chunk
            ShortVector h = (ShortVector) ByteVector.fromMemorySegment(B256, w, bo + 16, LE)
                    .convertShape(VectorOperators.ZERO_EXTEND_B2S, S512, 0);
            IntVector isum = IntVector.zero(I512);
            for (int g = 0; g < 4; g++) {
                ShortVector z = (ShortVector) ByteVector.fromMemorySegment(B256, w, bo + 48 + 32L * g, LE)
                        .convertShape(VectorOperators.ZERO_EXTEND_B2S, S512, 0);
                IntVector lo = z.and((short) 0xF).or(h.and((short) 1).lanewise(VectorOperators.LSHL, 4))
                        .mul(ShortVector.fromArray(S512, q16, x0 + 64 * g)).reinterpretAsInts();
                IntVector hi = z.lanewise(VectorOperators.LSHR, 4)
                        .or(h.and((short) 2).lanewise(VectorOperators.LSHL, 3))
                        .mul(ShortVector.fromArray(S512, q16, x0 + 64 * g + 32)).reinterpretAsInts();
                isum = isum.add(lo.add(lo.lanewise(VectorOperators.LSHL, 16)).lanewise(VectorOperators.ASHR, 16)
                                .mul(IntVector.broadcast(I512, 2 * g).selectFrom(scales)))
                        .add(hi.add(hi.lanewise(VectorOperators.LSHL, 16)).lanewise(VectorOperators.ASHR, 16)
                                .mul(IntVector.broadcast(I512, 2 * g + 1).selectFrom(scales)));
                h = h.lanewise(VectorOperators.LSHR, 2);
            }
            int j0 = x0 / 32;
            int msum = 0;
            for (int j = 0; j < 8; j++) {
                msum += ((int) (m >>> (8 * j)) & 0xFF) * bsum32[j0 + j]; // byteAt, written out
            }
            float da = d[x0 / 256];
            mins += Float.float16ToFloat(w.get(LE_SHORT, bo + 2)) * da * msum;
            acc = ((FloatVector) isum.convert(VectorOperators.I2F, 0))
                    .fma(FloatVector.broadcast(F512, Float.float16ToFloat(w.get(LE_SHORT, bo)) * da), acc);
        }
        FloatVector h2 = acc.add(acc.rearrange(SWAP_8)); // hsum, written out
        h2 = h2.add(h2.rearrange(SWAP_4));
        h2 = h2.add(h2.rearrange(SWAP_2));
        return (h2.lane(0) + h2.lane(1)) - mins;
    }


    /*
     * The Q6_K one-token kernel, shaped as dotQ4K: byte permutes of the 128 ql and the 64 qh bytes give four parts u
     * whose lane j always holds a value of the same sub-block, 2 int16 lanes per int32 lane: low nibbles of
     * sub-block Q6K_LO_SB[c], c = (j / 2) % 8, high nibbles of that one + 4. So the four parts' products add up in
     * int16 (at most 4 * 32 * 127 per lane), and the pair sums and scales are applied once per super-block. Part u,
     * lane j: with h = c / 4, p = (c % 4) / 2, l = 16 (c % 2) + 4u + 2 (j / 16) + j % 2, the value's low bits are in
     * ql byte 64h + 32p + l (low nibble, or high nibble for the value 64 on), its top two in qh byte 32h + l (bits 2p,
     * or 2p + 4): value 128h + 32p + l (or + 64). The activations follow in q16p (Q6K_ACT).
     */
    private static final int[] Q6K_LO_SB = {0, 1, 2, 3, 8, 9, 10, 11};
    /** As Q4K_ACT: where q16p's value 32 v + j comes from, v = 2u + (1 for the high nibbles). */
    static final int[] Q6K_ACT = new int[256];
    /** Q6K_ACT mod 128 as byte permute indexes, as Q4K_ACT_BYTES. */
    private static final byte[] Q6K_ACT_BYTES = new byte[512];
    /** -1 in the byte lanes whose value Q6K_ACT takes from the first 128 values of a super-block. */
    private static final byte[] Q6K_FIRST_HALF = new byte[64];
    /** Per part u at 64 u: the byte permute of the ql bytes (two sources) and of the qh bytes (one). */
    private static final byte[] Q6K_QL_PART = new byte[256];
    private static final byte[] Q6K_QH_PART = new byte[256];
    /**
     * Per int16 lane, at 0: the mask of the low nibbles' two qh bits, at 32: the left shift that takes them to bits
     * 4..5; at 64 and 96 the same for the high nibbles (a right shift). The vectors below.
     */
    private static final short[] Q6K_BITS = new short[128];
    private static final ShortVector Q6K_LO_MASK;
    private static final ShortVector Q6K_LO_SHIFT;
    private static final ShortVector Q6K_HI_MASK;
    private static final ShortVector Q6K_HI_SHIFT;
    /** Int lane k's scale: sub-block Q6K_LO_SB[k % 8] for the low nibbles, four on for the high ones. */
    private static final IntVector Q6K_LO_SCALE;
    private static final IntVector Q6K_HI_SCALE;

    static {
        for (int u = 0; u < 4; u++) {
            for (int j = 0; j < 32; j++) {
                int c = (j / 2) % 8;
                int h = c / 4;
                int p = (c % 4) / 2;
                int l = 16 * (c % 2) + 4 * u + 2 * (j / 16) + j % 2;
                Q6K_QL_PART[64 * u + j] = (byte) (64 * h + 32 * p + l);
                Q6K_QH_PART[64 * u + j] = (byte) (32 * h + l);
                Q6K_ACT[32 * (2 * u) + j] = 128 * h + 32 * p + l;
                Q6K_ACT[32 * (2 * u + 1) + j] = 128 * h + 32 * p + l + 64;
            }
        }
        for (int v = 0; v < 8; v++) {
            for (int j = 0; j < 32; j++) {
                Q6K_ACT_BYTES[64 * v + j] = (byte) (Q6K_ACT[32 * v + j] % 128);
                Q6K_FIRST_HALF[j] = (byte) (Q6K_ACT[32 * v + j] < 128 ? -1 : 0); // the same for every v
            }
        }
        int[] lo = new int[16];
        int[] hi = new int[16];
        for (int k = 0; k < 16; k++) {
            lo[k] = Q6K_LO_SB[k % 8];
            hi[k] = Q6K_LO_SB[k % 8] + 4;
        }
        for (int j = 0; j < 32; j++) {
            int p = ((j / 2) % 8 % 4) / 2;
            Q6K_BITS[j] = (short) (3 << (2 * p));
            Q6K_BITS[32 + j] = (short) (4 - 2 * p);
            Q6K_BITS[64 + j] = (short) (3 << (2 * p + 4));
            Q6K_BITS[96 + j] = (short) (2 * p);
        }
        Q6K_LO_MASK = ShortVector.fromArray(S512, Q6K_BITS, 0);
        Q6K_LO_SHIFT = ShortVector.fromArray(S512, Q6K_BITS, 32);
        Q6K_HI_MASK = ShortVector.fromArray(S512, Q6K_BITS, 64);
        Q6K_HI_SHIFT = ShortVector.fromArray(S512, Q6K_BITS, 96);
        Q6K_LO_SCALE = IntVector.fromArray(I512, lo, 0);
        Q6K_HI_SCALE = IntVector.fromArray(I512, hi, 0);
    }

    /**
     * Q6_K against Q8_K activations permuted as above (q16p). Int lane k sums the scaled products of 16 values (8 of
     * sub-block Q6K_LO_SB[k % 8], 8 of the one four on), exactly; then one fused multiply-add per lane with
     * {@code d * d8}, and the lanes' halving sum. The batched kernels put the same values in the same lanes
     * (decodeQ6K), so prefill gives these results bit for bit.
     */
    @Override
    public float dotQ6K(MemorySegment w, long off, QuantizedActivations a, int xOff, int n) {
        short[] qp = a.q16p;
        float[] d = a.d;
        FloatVector acc = FloatVector.zero(F512);
        for (int b = 0; b < n / 256; b++) {
            long bo = off + 210L * b;
            int x0 = xOff + 256 * b;
            ByteVector ql0 = ByteVector.fromMemorySegment(B512, w, bo, LE);
            ByteVector ql1 = ByteVector.fromMemorySegment(B512, w, bo + 64, LE);
            ByteVector qh = ByteVector.fromMemorySegment(B512, w, bo + 128, LE);
            // the four parts in nested loops of two trips, which C2 unrolls after parsing the body once: written out,
            // the method passed C2's inlining budget in a full test run and boxed vectors (KernelAllocationTest).
            // Low bits z, top bits y (masked and shifted by lane), then (q - 32) * activation
            ShortVector los = ShortVector.zero(S512);
            ShortVector his = los;
            for (int u2 = 0; u2 < 4; u2 += 2) {
                for (int e = 0; e < 2; e++) {
                    int u = u2 + e;
                    ShortVector z = (ShortVector) ByteVector.fromArray(B512, Q6K_QL_PART, 64 * u).selectFrom(ql0, ql1)
                            .convertShape(VectorOperators.ZERO_EXTEND_B2S, S512, 0);
                    ShortVector y = (ShortVector) ByteVector.fromArray(B512, Q6K_QH_PART, 64 * u).selectFrom(qh)
                            .convertShape(VectorOperators.ZERO_EXTEND_B2S, S512, 0);
                    los = los.add(z.and((short) 0xF)
                            .or(y.and(Q6K_LO_MASK).lanewise(VectorOperators.LSHL, Q6K_LO_SHIFT)).sub((short) 32)
                            .mul(ShortVector.fromArray(S512, qp, x0 + 64 * u)));
                    his = his.add(z.lanewise(VectorOperators.LSHR, 4)
                            .or(y.and(Q6K_HI_MASK).lanewise(VectorOperators.LSHR, Q6K_HI_SHIFT)).sub((short) 32)
                            .mul(ShortVector.fromArray(S512, qp, x0 + 64 * u + 32)));
                }
            }
            // adjacent int16 lanes summed into their int32 lane as (x + (x << 16)) >> 16, then scaled
            IntVector scales = (IntVector) ByteVector.fromMemorySegment(B128, w, bo + 192, LE)
                    .convertShape(VectorOperators.B2I, I512, 0);
            IntVector li = los.reinterpretAsInts();
            IntVector hi = his.reinterpretAsInts();
            IntVector isum = li.add(li.lanewise(VectorOperators.LSHL, 16)).lanewise(VectorOperators.ASHR, 16)
                    .mul(Q6K_LO_SCALE.selectFrom(scales))
                    .add(hi.add(hi.lanewise(VectorOperators.LSHL, 16)).lanewise(VectorOperators.ASHR, 16)
                            .mul(Q6K_HI_SCALE.selectFrom(scales)));
            float scale = Float.float16ToFloat(w.get(LE_SHORT, bo + 208)) * d[x0 / 256];
            acc = ((FloatVector) isum.convert(VectorOperators.I2F, 0)).fma(FloatVector.broadcast(F512, scale), acc);
        }
        FloatVector h2 = acc.add(acc.rearrange(SWAP_8)); // hsum, written out
        h2 = h2.add(h2.rearrange(SWAP_4));
        h2 = h2.add(h2.rearrange(SWAP_2));
        return h2.lane(0) + h2.lane(1);
    }

    /** {@link Kernels#swiglu}: the same operations, in the same order, sixteen lanes at a time. */
    @Override
    public void swiglu(float[] gate, float[] up, float[] out, int n) {
        int i = 0;
        for (; i <= n - 16; i += 16) {
            FloatVector x = FloatVector.fromArray(F512, gate, i);
            // expSilu(-x), written out
            FloatVector c = x.neg().min(EXP_MAX).max(EXP_MIN);
            FloatVector t = c.fma(LOG2E, ROUND_MAGIC);
            FloatVector nf = t.sub(ROUND_MAGIC);
            FloatVector r = nf.neg().fma(FloatVector.broadcast(F512, LN2_HI), c);
            r = nf.neg().fma(FloatVector.broadcast(F512, LN2_LO), r);
            FloatVector p = FloatVector.broadcast(F512, EXP_TAYLOR[0]);
            p = p.fma(r, FloatVector.broadcast(F512, EXP_TAYLOR[1]));
            p = p.fma(r, FloatVector.broadcast(F512, EXP_TAYLOR[2]));
            p = p.fma(r, FloatVector.broadcast(F512, EXP_TAYLOR[3]));
            p = p.fma(r, FloatVector.broadcast(F512, EXP_TAYLOR[4]));
            p = p.fma(r, FloatVector.broadcast(F512, EXP_TAYLOR[5]));
            p = p.fma(r, FloatVector.broadcast(F512, EXP_TAYLOR[6]));
            p = p.fma(r, FloatVector.broadcast(F512, EXP_TAYLOR[7]));
            FloatVector pow2 = t.reinterpretAsInts().add(127).lanewise(VectorOperators.LSHL, 23).reinterpretAsFloats();
            FloatVector e = p.mul(pow2);
            x.div(e.add(1.0f)).mul(FloatVector.fromArray(F512, up, i)).intoArray(out, i);
        }
        swiglu(gate, up, out, i, n);
    }

    // ---- Prefill: several tokens per weight row -------------------------------------------------------------------

    /** Fewest tokens for which decoding a weight row once and reusing it beats the one-token kernels. */
    static final int BATCH_MIN = 4;

    /*
     * The batched K-quant kernels decode a weight row once into floats w = scale6 * q (small integers, exact) and
     * take the int8 activations as floats too. Every product and every partial sum of a super-block is an integer
     * below 2^24, so fused multiply-adds in float give exactly the integer sums of the one-token kernels, and the
     * float steps after them are the same operations on the same values: bit-for-bit the same logits, at about a
     * third of the instructions per token (two loads and one FMA per 16 values).
     *
     * To land each sum in the lane the one-token kernel uses, the values are permuted the same way in the decoded
     * row and in the activations:
     * - Q4_K, Q6_K: each super-block as the one-token kernel's eight int16 vectors (Q4K_ACT, Q6K_ACT), each with its
     *   even lanes first and its odd lanes second (EVEN_ODD), so lane t of (first 16 + second 16) is that kernel's
     *   int lane t;
     * - Q8_0 (ggml's lanes: four consecutive values): position p < 16 of a block holds value 4(p % 8) + p / 8,
     *   position 16 + p value 4(p % 8) + 2 + p / 8, so lane l of (first 16 + second 16) is quad l % 8, added to its
     *   mirror lane;
     */
    private static final int[] Q8_0_ORDER = new int[32];

    static {
        for (int p = 0; p < 16; p++) {
            Q8_0_ORDER[p] = 4 * (p % 8) + p / 8;
            Q8_0_ORDER[16 + p] = 4 * (p % 8) + 2 + p / 8;
        }
    }

    private static final VectorShuffle<Short> Q8_0_SHUFFLE = VectorShuffle.fromArray(S512, Q8_0_ORDER, 0);
    /** A vector's 16 even lanes, then its 16 odd lanes. */
    private static final VectorShuffle<Short> EVEN_ODD =
            VectorShuffle.fromOp(S512, i -> i < 16 ? 2 * i : 2 * (i - 16) + 1);

    /** Weight rows decoded together and reused for every token (see matRowsBatched). */
    static final int ROW_TILE = 4;
    /** Tokens per pass over a row tile: their activations (as floats) stay in the core's L2 cache. */
    static final int TOKEN_BLOCK = 32;
    /** Tokens whose super-block sums {@link #blockSums} computes in one pass over a tile (divides TOKEN_BLOCK). */
    static final int TOKEN_TILE = 4;

    /**
     * A worker's decoded weight rows: row k of a tile at {@code w[k * cols]}, its block scales at
     * {@code d[k * cols / 256]} (Q8_0: {@code d[k * cols / 32]}); the six-bit mins of its block b at
     * {@code mins[8 * (b * ROW_TILE + k)]} and the block's dmin at {@code dmin[b * ROW_TILE + k]}.
     */
    private static final class RowScratch {
        float[] w = new float[0];
        /** Where row 0 of the tile starts in {@link #w}: the first element on a cache line (see ArrayAlignment). */
        int wBase;
        float[] d = new float[0];
        int[] mins = new int[0];
        float[] dmin = new float[0];
        /**
         * {@link #blockSums}' output: for token k of a token tile and row r of the tile, the 16 lane sums of
         * super-block b at {@code (b * TOKEN_TILE * ROW_TILE + k * ROW_TILE + r) * 16}, ROW_TILE * TOKEN_TILE * cols /
         * 16 floats. A block's sums side by side let blockSums store them from one base at constant offsets; one
         * row of sums per token and row (a stride of cols / 16 between them) cost an address and a bounds check per
         * store, reloaded from the stack: 2-7% of prefill.
         */
        float[] sums = new float[0];
        /** Where {@link #sums} start, as {@link #wBase} for {@link #w}. */
        int sBase;
        /** {@link #w} and {@link #sums} as heap segments, for ArrayAlignment. */
        MemorySegment wSegment = MemorySegment.ofArray(w);
        MemorySegment sumsSegment = MemorySegment.ofArray(sums);
        /** A tile's results when it holds fewer than ROW_TILE rows of the task (Q8_0 decodes padding rows). */
        final float[] tail = new float[2 * ROW_TILE];
        /** The tile kernels' accumulators, summed from memory (see {@link #finishQ4K4}); {@link #addQ4KMins}' sums. */
        final float[] lanes = new float[2 * 16 * ROW_TILE];
        /**
         * decodeQ4K, decodeQ6K: a super-block's scale per int16 lane of its low-nibble vectors, then of its high-nibble
         * ones.
         */
        final short[] scales16 = new short[64];

        RowScratch ensure(int cols) {
            if (w.length < ROW_TILE * cols + ArrayAlignment.LINE_FLOATS) {
                w = new float[ROW_TILE * cols + ArrayAlignment.LINE_FLOATS];
                sums = new float[ROW_TILE * TOKEN_TILE * cols / 16 + ArrayAlignment.LINE_FLOATS];
                wSegment = MemorySegment.ofArray(w);
                sumsSegment = MemorySegment.ofArray(sums);
                d = new float[ROW_TILE * cols / 32]; // a scale per 32 values for Q8_0, per 256 for K-quants
                mins = new int[ROW_TILE * cols / 32];
                dmin = new float[ROW_TILE * cols / 256];
            }
            return this;
        }
    }

    private final ThreadLocal<RowScratch> rowScratch = ThreadLocal.withInitial(RowScratch::new);

    @Override
    public void prepare(GgmlType type, float[] x, int rows, int cols, QuantizedActivations a) {
        super.prepare(type, x, rows, cols, a);
        if (type == GgmlType.Q4_K || type == GgmlType.Q6_K) { // the one-token kernels' layouts (Q4K_ACT, Q6K_ACT)
            a.ensureQ16p(rows * cols);
            byte[] indexes = type == GgmlType.Q4_K ? Q4K_ACT_BYTES : Q6K_ACT_BYTES;
            byte[] firstHalf = type == GgmlType.Q4_K ? Q4K_FIRST_HALF : Q6K_FIRST_HALF;
            for (int base = 0; base < rows * cols; base += 256) {
                // vector v takes its values from sub-blocks of both halves of the super-block: a permute of each
                // half's 128 bytes (the same indexes, the layout's values mod 128), the lanes merged by and-masks
                ByteVector a0 = ByteVector.fromArray(B512, a.q, base);
                ByteVector a1 = ByteVector.fromArray(B512, a.q, base + 64);
                ByteVector a2 = ByteVector.fromArray(B512, a.q, base + 128);
                ByteVector a3 = ByteVector.fromArray(B512, a.q, base + 192);
                ByteVector first = ByteVector.fromArray(B512, firstHalf, 0);
                for (int v = 0; v < 8; v++) {
                    ByteVector index = ByteVector.fromArray(B512, indexes, 64 * v);
                    ByteVector r = index.selectFrom(a0, a1).and(first).or(index.selectFrom(a2, a3).and(first.not()));
                    ((ShortVector) r.convertShape(VectorOperators.B2S, S512, 0))
                            .intoArray(a.q16p, base + 32 * v);
                }
            }
        }
        if (rows >= BATCH_MIN && (type == GgmlType.Q4_K || type == GgmlType.Q6_K || type == GgmlType.Q8_0)) {
            a.ensureQf(rows * cols);
            a.qfBase = ArrayAlignment.floatsToLine(a.qfSegment);
            // each 32-value block permuted as the weight rows are: by vector (the scalar gather was 2-3% of a prefill,
            // on the calling thread while the other cores wait). Q4_K, Q6_K: the one-token kernel's vectors, their
            // even lanes then their odd lanes (see decodeQ4K); Q8_0: ggml's quads (Q8_0_SHUFFLE)
            boolean k = type != GgmlType.Q8_0;
            for (int base = 0; base < rows * cols; base += 32) {
                ShortVector v = k
                        ? ShortVector.fromArray(S512, a.q16p, base).rearrange(EVEN_ODD)
                        : ((ShortVector) ByteVector.fromArray(B256, a.q, base)
                                .convertShape(VectorOperators.B2S, S512, 0)).rearrange(Q8_0_SHUFFLE);
                intoFloats(v, a.qf, a.qfBase + base);
            }
            a.qfType = type;
            if (type == GgmlType.Q4_K) {
                int g = QuantizedActivations.GROUP;
                a.ensureTransposed(rows, cols);
                for (int t = 0; t < (rows + g - 1) / g * g; t++) { // the last group's padding tokens get zeros
                    boolean token = t < rows;
                    int base = t / g * cols / 32 * g + t % g;
                    for (int j = 0; j < cols / 32; j++) {
                        a.bsum32T[base + j * g] = token ? a.bsum32[t * cols / 32 + j] : 0;
                    }
                    base = t / g * cols / 256 * g + t % g;
                    for (int b = 0; b < cols / 256; b++) {
                        a.negDT[base + b * g] = token ? -a.d[t * cols / 256 + b] : 0;
                    }
                }
            }
        }
    }

    /*
     * Loop order: tokens in blocks of TOKEN_BLOCK (their float activations stay in L2), then tiles of ROW_TILE rows
     * decoded once per token block, then every token of the block against the whole tile: each activation load feeds
     * four fused multiply-adds. Every token still goes through exactly the operations of the one-row kernel, so
     * results stay bit-identical to dotQ4K/dotQ6K.
     */
    @Override
    protected boolean matRowsBatched(GgmlType type, MemorySegment w, long rowBytes, int r0, int r1,
                                     QuantizedActivations a, int n, int cols, float[] out, int outStride,
                                     float[] bias) {
        if (n < BATCH_MIN || a.qfType != type) {
            return false;
        }
        RowScratch s = rowScratch.get().ensure(cols);
        s.wBase = ArrayAlignment.floatsToLine(s.wSegment); // asked per call: the collector may have moved the arrays
        s.sBase = ArrayAlignment.floatsToLine(s.sumsSegment);
        if (type == GgmlType.Q8_0) {
            matRowsQ8_0(w, rowBytes, r0, r1, a, n, cols, out, outStride, bias, s);
            return true;
        }
        boolean q4k = type == GgmlType.Q4_K;
        for (int t0 = 0; t0 < n; t0 += TOKEN_BLOCK) {
            int t1 = Math.min(n, t0 + TOKEN_BLOCK);
            int r = r0;
            for (; r + ROW_TILE <= r1; r += ROW_TILE) {
                for (int k = 0; k < ROW_TILE; k++) {
                    if (q4k) {
                        decodeQ4K(w, (r + k) * rowBytes, cols, s, k);
                    } else {
                        decodeQ6K(w, (r + k) * rowBytes, cols, s, k);
                    }
                }
                int t = t0;
                for (; t + TOKEN_TILE <= t1; t += TOKEN_TILE) {
                    blockSums(s.w, s.wBase, a.qf, a.qfBase + t * cols, cols, s.sums, s.sBase);
                    for (int k = 0; k < TOKEN_TILE; k++) {
                        int o = (t + k) * outStride + r;
                        if (q4k) {
                            finishQ4K4(s, a, (t + k) * cols, cols, k, out, o);
                        } else {
                            finishQ6K4(s, a, (t + k) * cols, cols, k, out, o);
                        }
                    }
                }
                for (; t < t1; t++) {
                    if (q4k) {
                        dotQ4KDecoded4(s, a, t * cols, cols, out, t * outStride + r);
                    } else {
                        dotQ6KDecoded4(s, a, t * cols, cols, out, t * outStride + r);
                    }
                }
                if (q4k) { // TOKEN_BLOCK is a multiple of GROUP, so t0 starts a group
                    for (int g = t0; g < t1; g += QuantizedActivations.GROUP) {
                        for (int k = 0; k < ROW_TILE; k++) {
                            addQ4KMins(s, a, g, Math.min(t1 - g, QuantizedActivations.GROUP), cols, k, out,
                                    outStride, r);
                        }
                    }
                }
            }
            for (; r < r1; r++) {
                if (q4k) {
                    decodeQ4K(w, r * rowBytes, cols, s, 0);
                } else {
                    decodeQ6K(w, r * rowBytes, cols, s, 0);
                }
                for (int t = t0; t < t1; t++) {
                    out[t * outStride + r] = q4k ? dotQ4KDecoded(s, a, t * cols, cols) : dotQ6KDecoded(s, a, t * cols,
                            cols);
                }
            }
        }
        for (int t = 0; t < n; t++) { // as matRows: + 0 without a bias (which turns -0 into +0)
            for (int r = r0; r < r1; r++) {
                out[t * outStride + r] += bias == null ? 0 : bias[r];
            }
        }
        return true;
    }

    /**
     * matRowsBatched for Q8_0: the same tiling, a tile's rows past the task's end decoded as copies of its last row
     * and their results dropped. Weights decode to their int8 values (scales kept per block), activations are their
     * int8 values permuted as for Q4_K, so each block's quad sums are exact integers in the lanes
     * {@link #dotQ8_0} gives them, followed by the same fused multiply-add with the same scale.
     */
    private static void matRowsQ8_0(MemorySegment w, long rowBytes, int r0, int r1, QuantizedActivations a, int n,
                                    int cols, float[] out, int outStride, float[] bias, RowScratch s) {
        for (int t0 = 0; t0 < n; t0 += TOKEN_BLOCK) {
            int t1 = Math.min(n, t0 + TOKEN_BLOCK);
            for (int r = r0; r < r1; r += ROW_TILE) {
                int rows = Math.min(ROW_TILE, r1 - r);
                for (int k = 0; k < ROW_TILE; k++) {
                    decodeQ8_0(w, (r + Math.min(k, rows - 1)) * rowBytes, cols, s, k);
                }
                for (int t = t0; t < t1; t += 2) { // two tokens a call: each weight load serves both
                    boolean pair = t + 1 < t1;
                    int u = pair ? t + 1 : t; // an odd last token goes through as both of the pair, the copy dropped
                    if (rows == ROW_TILE && pair) {
                        dotQ8_0Decoded4x2(s, a, t * cols, u * cols, cols, out, t * outStride + r, u * outStride + r);
                    } else {
                        dotQ8_0Decoded4x2(s, a, t * cols, u * cols, cols, s.tail, 0, ROW_TILE);
                        System.arraycopy(s.tail, 0, out, t * outStride + r, rows);
                        if (pair) {
                            System.arraycopy(s.tail, ROW_TILE, out, u * outStride + r, rows);
                        }
                    }
                }
            }
        }
        for (int t = 0; t < n; t++) { // as matRows: + 0 without a bias
            for (int r = r0; r < r1; r++) {
                out[t * outStride + r] += bias == null ? 0 : bias[r];
            }
        }
    }

    /** A Q8_0 row as its int8 values (as floats, permuted by Q8_0_SHUFFLE) and its block scales. */
    private static void decodeQ8_0(MemorySegment w, long off, int n, RowScratch s, int slot) {
        int wo = s.wBase + slot * n;
        int so = slot * (n / 32);
        for (int b = 0; b < n / 32; b++) {
            long bo = off + 34L * b;
            s.d[so + b] = Float.float16ToFloat(w.get(LE_SHORT, bo));
            intoFloats(((ShortVector) ByteVector.fromMemorySegment(B256, w, bo + 2, LE)
                    .convertShape(VectorOperators.B2S, S512, 0)).rearrange(Q8_0_SHUFFLE), s.w, wo + 32 * b);
        }
    }

    /**
     * {@link #dotQ8_0} of two tokens (activations at {@code xOff0} and {@code xOff1}) against the four decoded rows of
     * a tile, into {@code out[o0..o0+3]} and {@code out[o1..o1+3]}: each weight load serves both tokens, and each
     * token's lanes go through exactly the one-token kernel's operations.
     */
    private static void dotQ8_0Decoded4x2(RowScratch s, QuantizedActivations a, int xOff0, int xOff1, int n,
                                          float[] out, int o0, int o1) {
        float[] wf = s.w;
        float[] qf = a.qf;
        int qb = a.qfBase; // where the activations start (a cache line, see ArrayAlignment)
        float[] d = a.d;
        float[] wd = s.d;
        int nb = n / 32;
        int d0 = xOff0 / 32;
        int d1 = xOff1 / 32;
        FloatVector p0 = FloatVector.zero(F512), p1 = p0, p2 = p0, p3 = p0; // token 0, rows 0-3
        FloatVector q0 = p0, q1 = p0, q2 = p0, q3 = p0; // token 1
        for (int b = 0; b < nb; b++) {
            int x0 = qb + xOff0 + 32 * b;
            int x1 = qb + xOff1 + 32 * b;
            int w0 = s.wBase + 32 * b;
            FloatVector xa = FloatVector.fromArray(F512, qf, x0);
            FloatVector xb = FloatVector.fromArray(F512, qf, x0 + 16);
            FloatVector ya = FloatVector.fromArray(F512, qf, x1);
            FloatVector yb = FloatVector.fromArray(F512, qf, x1 + 16);
            float dx = d[d0 + b];
            float dy = d[d1 + b];
            // each block's 16 pair products (exact integers) to its eight quads, scaled into the accumulator; written
            // out, as a helper called eight times the method was past C2's inlining budget (boxed vectors)
            FloatVector v;
            FloatVector wa = FloatVector.fromArray(F512, wf, w0);
            FloatVector wb = FloatVector.fromArray(F512, wf, w0 + 16);
            v = wa.fma(xa, wb.mul(xb));
            p0 = FloatVector.broadcast(F512, wd[b] * dx).fma(v.add(v.rearrange(SWAP_8)), p0);
            v = wa.fma(ya, wb.mul(yb));
            q0 = FloatVector.broadcast(F512, wd[b] * dy).fma(v.add(v.rearrange(SWAP_8)), q0);
            wa = FloatVector.fromArray(F512, wf, w0 + n);
            wb = FloatVector.fromArray(F512, wf, w0 + n + 16);
            v = wa.fma(xa, wb.mul(xb));
            p1 = FloatVector.broadcast(F512, wd[nb + b] * dx).fma(v.add(v.rearrange(SWAP_8)), p1);
            v = wa.fma(ya, wb.mul(yb));
            q1 = FloatVector.broadcast(F512, wd[nb + b] * dy).fma(v.add(v.rearrange(SWAP_8)), q1);
            wa = FloatVector.fromArray(F512, wf, w0 + 2 * n);
            wb = FloatVector.fromArray(F512, wf, w0 + 2 * n + 16);
            v = wa.fma(xa, wb.mul(xb));
            p2 = FloatVector.broadcast(F512, wd[2 * nb + b] * dx).fma(v.add(v.rearrange(SWAP_8)), p2);
            v = wa.fma(ya, wb.mul(yb));
            q2 = FloatVector.broadcast(F512, wd[2 * nb + b] * dy).fma(v.add(v.rearrange(SWAP_8)), q2);
            wa = FloatVector.fromArray(F512, wf, w0 + 3 * n);
            wb = FloatVector.fromArray(F512, wf, w0 + 3 * n + 16);
            v = wa.fma(xa, wb.mul(xb));
            p3 = FloatVector.broadcast(F512, wd[3 * nb + b] * dx).fma(v.add(v.rearrange(SWAP_8)), p3);
            v = wa.fma(ya, wb.mul(yb));
            q3 = FloatVector.broadcast(F512, wd[3 * nb + b] * dy).fma(v.add(v.rearrange(SWAP_8)), q3);
        }
        // the quad lanes summed from memory: eight inlined sums of lanes are past C2's inlining budget
        float[] f = s.lanes;
        p0.intoArray(f, 0);
        p1.intoArray(f, 16);
        p2.intoArray(f, 32);
        p3.intoArray(f, 48);
        q0.intoArray(f, 64);
        q1.intoArray(f, 80);
        q2.intoArray(f, 96);
        q3.intoArray(f, 112);
        for (int r = 0; r < 2 * ROW_TILE; r++) {
            int q = 16 * r;
            out[(r < ROW_TILE ? o0 : o1 - ROW_TILE) + r] =
                    ((f[q + 4] + f[q]) + (f[q + 6] + f[q + 2])) + ((f[q + 5] + f[q + 1]) + (f[q + 7] + f[q + 3]));
        }
    }

    /** Stores 32 shorts as floats at {@code off}. */
    private static void intoFloats(ShortVector v, float[] dst, int off) {
        ((FloatVector) v.convertShape(VectorOperators.S2F, F512, 0)).intoArray(dst, off);
        ((FloatVector) v.convertShape(VectorOperators.S2F, F512, 1)).intoArray(dst, off + 16);
    }

    /**
     * A Q4_K row as scale6 * q4 per value, with its per-block scales and packed mins. Laid out as {@link #dotQ4K}'s
     * int16 vectors (v = 2 (2m + p) + h, see Q4K_ACT), each with its even lanes first and its odd lanes second
     * (EVEN_ODD): position 32 v + t and 32 v + 16 + t then hold the two values that dotQ4K's int lane t sums from
     * vector v, so blockSums' lane t gathers exactly that lane's 16 products.
     */
    private static void decodeQ4K(MemorySegment w, long off, int n, RowScratch s, int slot) {
        int wo = s.wBase + slot * n;
        int so = slot * (n / 256);
        for (int b = 0; b < n / 256; b++) {
            long bo = off + 144L * b;
            int u0 = w.get(LE_INT, bo + 4);
            int u1 = w.get(LE_INT, bo + 8);
            int u2 = w.get(LE_INT, bo + 12);
            long sc = k4Scales(u0, u2);
            long m = k4Mins(u1, u2);
            int mo = 8 * (b * ROW_TILE + slot);
            for (int j = 0; j < 8; j++) {
                s.mins[mo + j] = byteAt(m, j);
            }
            s.d[so + b] = Float.float16ToFloat(w.get(LE_SHORT, bo));
            s.dmin[b * ROW_TILE + slot] = Float.float16ToFloat(w.get(LE_SHORT, bo + 2));
            IntVector scales = (IntVector) LongVector.broadcast(L128, sc).reinterpretAsBytes()
                    .convertShape(VectorOperators.ZERO_EXTEND_B2I, I512, 0);
            // each int lane's scale in both its int16 halves, through memory: a vector chosen by h in the loop below
            // would be a merge of two vectors, which C2 may box
            short[] scales16 = s.scales16;
            Q4K_LO_SCALE.selectFrom(scales).mul(0x10001).reinterpretAsShorts().intoArray(scales16, 0);
            Q4K_HI_SCALE.selectFrom(scales).mul(0x10001).reinterpretAsShorts().intoArray(scales16, 32);
            ByteVector q0 = ByteVector.fromMemorySegment(B512, w, bo + 16, LE);
            ByteVector q1 = ByteVector.fromMemorySegment(B512, w, bo + 80, LE);
            // one of dotQ4K's vectors a step (part k = 2m + p, nibbles h): written out, the eight passed C2's
            // inlining budget and boxed vectors. Nested loops of two trips, as C2 unrolls a loop of at most three
            // whatever its size (one loop of eight kept variable offsets and a bounds check per step)
            for (int k = 0; k < 4; k += 2) {
                for (int p = 0; p < 2; p++) {
                    // part k + p's 32 bytes in the low half of the permute (Q4K_PART)
                    ShortVector z = (ShortVector) ByteVector.fromArray(B512, Q4K_PART, 64 * (k + p))
                            .selectFrom(q0, q1).convertShape(VectorOperators.ZERO_EXTEND_B2S, S512, 0);
                    for (int h = 0; h < 2; h++) {
                        // intoFloats written out, as in decodeQ6KPart
                        ShortVector q = z.lanewise(VectorOperators.LSHR, 4 * h).and((short) 0xF)
                                .mul(ShortVector.fromArray(S512, scales16, 32 * h)).rearrange(EVEN_ODD);
                        int o = wo + 256 * b + 32 * (2 * (k + p) + h);
                        ((FloatVector) q.convertShape(VectorOperators.S2F, F512, 0)).intoArray(s.w, o);
                        ((FloatVector) q.convertShape(VectorOperators.S2F, F512, 1)).intoArray(s.w, o + 16);
                    }
                }
            }
        }
    }

    /** {@link #dotQ4K} of a decoded row: the same float operations on the same integer sums. */
    private static float dotQ4KDecoded(RowScratch s, QuantizedActivations a, int xOff, int n) {
        float[] wf = s.w;
        float[] qf = a.qf;
        int qb = a.qfBase; // where the activations start (a cache line, see ArrayAlignment)
        float[] d = a.d;
        int[] bsum32 = a.bsum32;
        FloatVector acc = FloatVector.zero(F512);
        FloatVector mins = FloatVector.zero(F256);
        for (int b = 0; b < n / 256; b++) {
            int x0 = xOff + 256 * b;
            int wb = s.wBase + 256 * b;
            FloatVector v0 = FloatVector.zero(F512);
            FloatVector v1 = FloatVector.zero(F512);
            for (int j = 0; j < 8; j++) {
                v0 = FloatVector.fromArray(F512, wf, wb + 32 * j)
                        .fma(FloatVector.fromArray(F512, qf, qb + x0 + 32 * j), v0);
                v1 = FloatVector.fromArray(F512, wf, wb + 32 * j + 16)
                        .fma(FloatVector.fromArray(F512, qf, qb + x0 + 32 * j + 16), v1);
            }
            FloatVector x = v0.add(v1); // dotQ4K's int lanes, exactly
            // the mins as dotQ4K takes them: eight exact products, each into its own lane with a fused multiply-add
            IntVector mp = IntVector.fromArray(I256, s.mins, 8 * b * ROW_TILE)
                    .mul(IntVector.fromArray(I256, bsum32, x0 / 32));
            float da = d[x0 / 256];
            mins = FloatVector.broadcast(F256, -da * s.dmin[b * ROW_TILE])
                    .fma((FloatVector) mp.convert(VectorOperators.I2F, 0), mins);
            acc = FloatVector.broadcast(F512, da * s.d[b]).fma(x, acc);
        }
        FloatVector h = acc.add(acc.rearrange(SWAP_8)); // hsum, written out as in dotQ4K
        h = h.add(h.rearrange(SWAP_4));
        h = h.add(h.rearrange(SWAP_2));
        FloatVector m = mins.add(mins.rearrange(SWAP_4_256));
        m = m.add(m.rearrange(SWAP_2_256));
        return (h.lane(0) + h.lane(1)) + (m.lane(0) + m.lane(1));
    }

    /**
     * {@link #dotQ4KDecoded} of one token against the four decoded rows of a tile, into {@code out[o..o+3]}, without
     * the mins: {@link #addQ4KMins} adds them, the same last addition the one-row kernel does. Split in two because
     * one method with both parts is past C2's node budget for inlining (it then boxes vectors).
     */
    private static void dotQ4KDecoded4(RowScratch s, QuantizedActivations a, int xOff, int n, float[] out, int o) {
        float[] wf = s.w;
        float[] qf = a.qf;
        int qb = a.qfBase; // where the activations start (a cache line, see ArrayAlignment)
        float[] d = a.d;
        int nb = n / 256;
        FloatVector acc0 = FloatVector.zero(F512), acc1 = acc0, acc2 = acc0, acc3 = acc0;
        for (int b = 0; b < nb; b++) {
            int x0 = xOff + 256 * b;
            int wb = s.wBase + 256 * b;
            FloatVector v00 = FloatVector.zero(F512), v01 = v00, v10 = v00, v11 = v00;
            FloatVector v20 = v00, v21 = v00, v30 = v00, v31 = v00;
            for (int j = 0; j < 8; j++) {
                FloatVector xa = FloatVector.fromArray(F512, qf, qb + x0 + 32 * j);
                FloatVector xb = FloatVector.fromArray(F512, qf, qb + x0 + 32 * j + 16);
                int w0 = wb + 32 * j;
                v00 = FloatVector.fromArray(F512, wf, w0).fma(xa, v00);
                v01 = FloatVector.fromArray(F512, wf, w0 + 16).fma(xb, v01);
                v10 = FloatVector.fromArray(F512, wf, w0 + n).fma(xa, v10);
                v11 = FloatVector.fromArray(F512, wf, w0 + n + 16).fma(xb, v11);
                v20 = FloatVector.fromArray(F512, wf, w0 + 2 * n).fma(xa, v20);
                v21 = FloatVector.fromArray(F512, wf, w0 + 2 * n + 16).fma(xb, v21);
                v30 = FloatVector.fromArray(F512, wf, w0 + 3 * n).fma(xa, v30);
                v31 = FloatVector.fromArray(F512, wf, w0 + 3 * n + 16).fma(xb, v31);
            }
            float da = d[x0 / 256];
            acc0 = q4kBlock(v00, v01, da * s.d[b], acc0);
            acc1 = q4kBlock(v10, v11, da * s.d[nb + b], acc1);
            acc2 = q4kBlock(v20, v21, da * s.d[2 * nb + b], acc2);
            acc3 = q4kBlock(v30, v31, da * s.d[3 * nb + b], acc3);
        }
        // hsum from memory, as in finishQ4K4: the fourth inlined hsum was past C2's inlining budget (a boxed vector)
        float[] f = s.lanes;
        acc0.intoArray(f, 0);
        acc1.intoArray(f, 16);
        acc2.intoArray(f, 32);
        acc3.intoArray(f, 48);
        for (int r = 0; r < ROW_TILE; r++) {
            out[o + r] = hsum(f, 16 * r);
        }
    }

    /**
     * The exact integer lane sums of every super-block for the four decoded rows of a tile and TOKEN_TILE tokens from
     * {@code xOff} on, into {@code sums} (layout in {@link RowScratch#sums}). Lane l gathers the values at positions
     * l and 16 + l of each 32-value block, as v0 + v1 does in {@link #dotQ4KDecoded}: every product and partial sum
     * is an integer below 2^24, so the order of the additions does not change them. A 4 x 4 register tile: per 16
     * values, eight loads feed sixteen fused multiply-adds (the one-token tile needs ten loads for eight). The
     * scaling stays in {@link #finishQ4K4} / {@link #finishQ6K4}: with it this loop would pass C2's inlining budget.
     */
    private static void blockSums(float[] wf, int wBase, float[] qf, int xOff, int n, float[] sums, int sBase) {
        int nb = n / 256;
        for (int b = 0; b < nb; b++) {
            int xb = xOff + 256 * b;
            int w0 = wBase + 256 * b;
            FloatVector a00 = FloatVector.zero(F512), a01 = a00, a02 = a00, a03 = a00;
            FloatVector a10 = a00, a11 = a00, a12 = a00, a13 = a00;
            FloatVector a20 = a00, a21 = a00, a22 = a00, a23 = a00;
            FloatVector a30 = a00, a31 = a00, a32 = a00, a33 = a00;
            for (int k = 0; k < 256; k += 16) {
                FloatVector t0 = FloatVector.fromArray(F512, qf, xb + k);
                FloatVector t1 = FloatVector.fromArray(F512, qf, xb + n + k);
                FloatVector t2 = FloatVector.fromArray(F512, qf, xb + 2 * n + k);
                FloatVector t3 = FloatVector.fromArray(F512, qf, xb + 3 * n + k);
                FloatVector w = FloatVector.fromArray(F512, wf, w0 + k);
                a00 = w.fma(t0, a00);
                a01 = w.fma(t1, a01);
                a02 = w.fma(t2, a02);
                a03 = w.fma(t3, a03);
                w = FloatVector.fromArray(F512, wf, w0 + n + k);
                a10 = w.fma(t0, a10);
                a11 = w.fma(t1, a11);
                a12 = w.fma(t2, a12);
                a13 = w.fma(t3, a13);
                w = FloatVector.fromArray(F512, wf, w0 + 2 * n + k);
                a20 = w.fma(t0, a20);
                a21 = w.fma(t1, a21);
                a22 = w.fma(t2, a22);
                a23 = w.fma(t3, a23);
                w = FloatVector.fromArray(F512, wf, w0 + 3 * n + k);
                a30 = w.fma(t0, a30);
                a31 = w.fma(t1, a31);
                a32 = w.fma(t2, a32);
                a33 = w.fma(t3, a33);
            }
            int s = sBase + 256 * b; // one super-block's sixteen sums side by side: one base, constant offsets
            a00.intoArray(sums, s);
            a10.intoArray(sums, s + 16);
            a20.intoArray(sums, s + 32);
            a30.intoArray(sums, s + 48);
            a01.intoArray(sums, s + 64);
            a11.intoArray(sums, s + 80);
            a21.intoArray(sums, s + 96);
            a31.intoArray(sums, s + 112);
            a02.intoArray(sums, s + 128);
            a12.intoArray(sums, s + 144);
            a22.intoArray(sums, s + 160);
            a32.intoArray(sums, s + 176);
            a03.intoArray(sums, s + 192);
            a13.intoArray(sums, s + 208);
            a23.intoArray(sums, s + 224);
            a33.intoArray(sums, s + 240);
        }
    }

    /**
     * {@link #dotQ4KDecoded4} from {@link #blockSums}' sums for token {@code k} of the token tile (activations at
     * {@code xOff}): the same scaling, in the same order, of the same integers. The four rows' accumulations are
     * independent chains, so their fused multiply-adds overlap.
     */
    private static void finishQ4K4(RowScratch s, QuantizedActivations a, int xOff, int n, int k, float[] out, int o) {
        float[] sums = s.sums;
        float[] d = a.d;
        int nb = n / 256;
        int so = s.sBase + k * ROW_TILE * 16;
        int d0 = xOff / 256;
        FloatVector acc0 = FloatVector.zero(F512), acc1 = acc0, acc2 = acc0, acc3 = acc0;
        for (int b = 0; b < nb; b++) {
            float da = d[d0 + b];
            int sb = so + 256 * b;
            acc0 = q4kBlock(FloatVector.fromArray(F512, sums, sb), da * s.d[b], acc0);
            acc1 = q4kBlock(FloatVector.fromArray(F512, sums, sb + 16), da * s.d[nb + b], acc1);
            acc2 = q4kBlock(FloatVector.fromArray(F512, sums, sb + 32), da * s.d[2 * nb + b], acc2);
            acc3 = q4kBlock(FloatVector.fromArray(F512, sums, sb + 48), da * s.d[3 * nb + b], acc3);
        }
        // hsum from memory: four inlined hsum calls would leave little of C2's inlining budget
        float[] f = s.lanes;
        acc0.intoArray(f, 0);
        acc1.intoArray(f, 16);
        acc2.intoArray(f, 32);
        acc3.intoArray(f, 48);
        for (int r = 0; r < ROW_TILE; r++) {
            out[o + r] = hsum(f, 16 * r);
        }
    }

    /**
     * {@link #dotQ6KDecoded4} from {@link #blockSums}' sums, as {@link #finishQ4K4} is for Q4_K. The two repeat their
     * set-up on purpose, as the one-token tiles do: one method for both would branch per block and carry both bodies
     * against C2's inlining budget.
     */
    private static void finishQ6K4(RowScratch s, QuantizedActivations a, int xOff, int n, int k, float[] out, int o) {
        float[] sums = s.sums;
        float[] d = a.d;
        int nb = n / 256;
        int so = s.sBase + k * ROW_TILE * 16;
        int d0 = xOff / 256;
        FloatVector acc0 = FloatVector.zero(F512), acc1 = acc0, acc2 = acc0, acc3 = acc0;
        for (int b = 0; b < nb; b++) {
            float da = d[d0 + b];
            int sb = so + 256 * b;
            acc0 = FloatVector.fromArray(F512, sums, sb).fma(FloatVector.broadcast(F512, s.d[b] * da), acc0);
            acc1 = FloatVector.fromArray(F512, sums, sb + 16)
                    .fma(FloatVector.broadcast(F512, s.d[nb + b] * da), acc1);
            acc2 = FloatVector.fromArray(F512, sums, sb + 32)
                    .fma(FloatVector.broadcast(F512, s.d[2 * nb + b] * da), acc2);
            acc3 = FloatVector.fromArray(F512, sums, sb + 48)
                    .fma(FloatVector.broadcast(F512, s.d[3 * nb + b] * da), acc3);
        }
        // hsum from memory: four inlined hsum calls are past C2's inlining budget here, and the last ones then box
        // their vector (KernelAllocationTest)
        float[] f = s.lanes;
        acc0.intoArray(f, 0);
        acc1.intoArray(f, 16);
        acc2.intoArray(f, 32);
        acc3.intoArray(f, 48);
        for (int r = 0; r < ROW_TILE; r++) {
            out[o + r] = hsum(f, 16 * r);
        }
    }

    /** One super-block's lane sums (v0 + v1) scaled into the accumulator, as in {@link #dotQ4K}. */
    private static FloatVector q4kBlock(FloatVector x, float scale, FloatVector acc) {
        return FloatVector.broadcast(F512, scale).fma(x, acc);
    }

    /** One super-block's lane sums scaled into the accumulator, as in {@link #dotQ4KDecoded}. */
    private static FloatVector q4kBlock(FloatVector v0, FloatVector v1, float scale, FloatVector acc) {
        return q4kBlock(v0.add(v1), scale, acc);
    }

    /**
     * Adds the mins part of {@link #dotQ4KDecoded} for row {@code k} of a tile and the {@code count} tokens from
     * {@code g} on (a group of {@link QuantizedActivations#bsum32T}) to their outputs, sixteen tokens a vector. Every
     * product is an integer below 2^24, so in float it is exactly the one-row kernel's int product; each of its eight
     * lanes then takes the same fused multiply-add with the same factor ({@code -d * dmin}), and the lanes add up as
     * there: bit for bit the same result, at about a fifth of the instructions of one token a call.
     */
    private static void addQ4KMins(RowScratch s, QuantizedActivations a, int g, int count, int n, int k,
                                   float[] out, int outStride, int r) {
        float[] bt = a.bsum32T;
        float[] nd = a.negDT;
        int[] mins = s.mins; // six-bit, so exact as the floats they are broadcast as
        int nb = n / 256;
        int gb = g / QuantizedActivations.GROUP * nb; // the group's first super-block
        FloatVector m0 = FloatVector.zero(F512), m1 = m0, m2 = m0, m3 = m0, m4 = m0, m5 = m0, m6 = m0, m7 = m0;
        for (int b = 0; b < nb; b++) {
            int bo = (gb + b) * 8 * 16;
            int mo = 8 * (b * ROW_TILE + k);
            FloatVector c = FloatVector.fromArray(F512, nd, (gb + b) * 16)
                    .mul(FloatVector.broadcast(F512, s.dmin[b * ROW_TILE + k]));
            m0 = FloatVector.fromArray(F512, bt, bo).mul(FloatVector.broadcast(F512, mins[mo])).fma(c, m0);
            m1 = FloatVector.fromArray(F512, bt, bo + 16).mul(FloatVector.broadcast(F512, mins[mo + 1])).fma(c, m1);
            m2 = FloatVector.fromArray(F512, bt, bo + 32).mul(FloatVector.broadcast(F512, mins[mo + 2])).fma(c, m2);
            m3 = FloatVector.fromArray(F512, bt, bo + 48).mul(FloatVector.broadcast(F512, mins[mo + 3])).fma(c, m3);
            m4 = FloatVector.fromArray(F512, bt, bo + 64).mul(FloatVector.broadcast(F512, mins[mo + 4])).fma(c, m4);
            m5 = FloatVector.fromArray(F512, bt, bo + 80).mul(FloatVector.broadcast(F512, mins[mo + 5])).fma(c, m5);
            m6 = FloatVector.fromArray(F512, bt, bo + 96).mul(FloatVector.broadcast(F512, mins[mo + 6])).fma(c, m6);
            m7 = FloatVector.fromArray(F512, bt, bo + 112).mul(FloatVector.broadcast(F512, mins[mo + 7])).fma(c, m7);
        }
        // dotQ4K's halving of its eight mins lanes, here one token per lane
        float[] f = s.lanes;
        m0.add(m4).add(m2.add(m6)).add(m1.add(m5).add(m3.add(m7))).intoArray(f, 0);
        for (int t = 0; t < count; t++) {
            out[(g + t) * outStride + r + k] += f[t];
        }
    }

    /**
     * For decodeQ6K: each int lane's signed scale in both its int16 halves, the low nibbles' at 0 and the high
     * nibbles' at 32 of {@code out}, through memory (see decodeQ4K). A method of its own, taking and returning no
     * vector: inside decodeQ6K it put that method past C2's inlining budget (a boxed vector per step).
     */
    private static void q6kScales16(MemorySegment w, long so, short[] out) {
        IntVector scales = (IntVector) ByteVector.fromMemorySegment(B128, w, so, LE)
                .convertShape(VectorOperators.B2I, I512, 0);
        IntVector t = Q6K_LO_SCALE.selectFrom(scales);
        t.and(0xFFFF).or(t.lanewise(VectorOperators.LSHL, 16)).reinterpretAsShorts().intoArray(out, 0);
        t = Q6K_HI_SCALE.selectFrom(scales);
        t.and(0xFFFF).or(t.lanewise(VectorOperators.LSHL, 16)).reinterpretAsShorts().intoArray(out, 32);
    }

    /**
     * A Q6_K row as scale * (q - 32) per value, with its per-block scales, laid out as {@link #dotQ6K}'s int16 vectors
     * (v = 2u + h, see Q6K_ACT), each with its even lanes first and its odd lanes second, as {@link #decodeQ4K} does.
     */
    private static void decodeQ6K(MemorySegment w, long off, int n, RowScratch s, int slot) {
        int wo = s.wBase + slot * n;
        for (int b = 0; b < n / 256; b++) {
            long bo = off + 210L * b;
            s.d[slot * (n / 256) + b] = Float.float16ToFloat(w.get(LE_SHORT, bo + 208));
            q6kScales16(w, bo + 192, s.scales16);
            for (int u = 0; u < 4; u++) {
                decodeQ6KPart(w, bo, u, s.scales16, s.w, wo + 256 * b + 64 * u);
            }
        }
    }

    /**
     * Part u of the Q6_K super-block at {@code bo} (see dotQ6K): its low- and high-nibble vectors, scaled, as floats
     * at {@code out[o..o + 63]}. A method of its own that takes and returns no vector, with no helper of ours that
     * does: in one method with the super-block loop, the last intoFloats was past C2's inlining budget in a full test
     * run, and the vector it was passed was boxed on every call.
     */
    private static void decodeQ6KPart(MemorySegment w, long bo, int u, short[] scales16, float[] out, int o) {
        ShortVector z = (ShortVector) ByteVector.fromArray(B512, Q6K_QL_PART, 64 * u)
                .selectFrom(ByteVector.fromMemorySegment(B512, w, bo, LE),
                        ByteVector.fromMemorySegment(B512, w, bo + 64, LE))
                .convertShape(VectorOperators.ZERO_EXTEND_B2S, S512, 0);
        ShortVector y = (ShortVector) ByteVector.fromArray(B512, Q6K_QH_PART, 64 * u)
                .selectFrom(ByteVector.fromMemorySegment(B512, w, bo + 128, LE))
                .convertShape(VectorOperators.ZERO_EXTEND_B2S, S512, 0);
        // intoFloats written out: a helper of ours taking a vector is what gets boxed past the inlining budget
        ShortVector q = z.and((short) 0xF).or(y.and(Q6K_LO_MASK).lanewise(VectorOperators.LSHL, Q6K_LO_SHIFT))
                .sub((short) 32).mul(ShortVector.fromArray(S512, scales16, 0)).rearrange(EVEN_ODD);
        ((FloatVector) q.convertShape(VectorOperators.S2F, F512, 0)).intoArray(out, o);
        ((FloatVector) q.convertShape(VectorOperators.S2F, F512, 1)).intoArray(out, o + 16);
        q = z.lanewise(VectorOperators.LSHR, 4).or(y.and(Q6K_HI_MASK).lanewise(VectorOperators.LSHR, Q6K_HI_SHIFT))
                .sub((short) 32).mul(ShortVector.fromArray(S512, scales16, 32)).rearrange(EVEN_ODD);
        ((FloatVector) q.convertShape(VectorOperators.S2F, F512, 0)).intoArray(out, o + 32);
        ((FloatVector) q.convertShape(VectorOperators.S2F, F512, 1)).intoArray(out, o + 48);
    }

    /** {@link #dotQ6K} of a decoded row. */
    private static float dotQ6KDecoded(RowScratch s, QuantizedActivations a, int xOff, int n) {
        float[] wf = s.w;
        float[] qf = a.qf;
        int qb = a.qfBase; // where the activations start (a cache line, see ArrayAlignment)
        float[] d = a.d;
        FloatVector acc = FloatVector.zero(F512);
        for (int b = 0; b < n / 256; b++) {
            int x0 = xOff + 256 * b;
            int wb = s.wBase + 256 * b;
            FloatVector v0 = FloatVector.zero(F512);
            FloatVector v1 = FloatVector.zero(F512);
            for (int c = 0; c < 8; c++) {
                v0 = FloatVector.fromArray(F512, wf, wb + 32 * c)
                        .fma(FloatVector.fromArray(F512, qf, qb + x0 + 32 * c), v0);
                v1 = FloatVector.fromArray(F512, wf, wb + 32 * c + 16)
                        .fma(FloatVector.fromArray(F512, qf, qb + x0 + 32 * c + 16), v1);
            }
            float scale = s.d[b] * d[x0 / 256];
            acc = v0.add(v1).fma(FloatVector.broadcast(F512, scale), acc);
        }
        return hsum(acc);
    }

    /**
     * {@link #dotQ6KDecoded} of one token against the four decoded rows of a tile, into {@code out[o..o+3]}. Its loop
     * is {@link #dotQ4KDecoded4}'s on purpose: one method for both would branch per block in the hot loop, and the
     * Q4_K tile is already at C2's inlining budget.
     */
    private static void dotQ6KDecoded4(RowScratch s, QuantizedActivations a, int xOff, int n, float[] out, int o) {
        float[] wf = s.w;
        float[] qf = a.qf;
        int qb = a.qfBase; // where the activations start (a cache line, see ArrayAlignment)
        float[] d = a.d;
        int nb = n / 256;
        FloatVector acc0 = FloatVector.zero(F512), acc1 = acc0, acc2 = acc0, acc3 = acc0;
        for (int b = 0; b < nb; b++) {
            int x0 = xOff + 256 * b;
            int wb = s.wBase + 256 * b;
            FloatVector v00 = FloatVector.zero(F512), v01 = v00, v10 = v00, v11 = v00;
            FloatVector v20 = v00, v21 = v00, v30 = v00, v31 = v00;
            for (int c = 0; c < 8; c++) {
                FloatVector xa = FloatVector.fromArray(F512, qf, qb + x0 + 32 * c);
                FloatVector xb = FloatVector.fromArray(F512, qf, qb + x0 + 32 * c + 16);
                int w0 = wb + 32 * c;
                v00 = FloatVector.fromArray(F512, wf, w0).fma(xa, v00);
                v01 = FloatVector.fromArray(F512, wf, w0 + 16).fma(xb, v01);
                v10 = FloatVector.fromArray(F512, wf, w0 + n).fma(xa, v10);
                v11 = FloatVector.fromArray(F512, wf, w0 + n + 16).fma(xb, v11);
                v20 = FloatVector.fromArray(F512, wf, w0 + 2 * n).fma(xa, v20);
                v21 = FloatVector.fromArray(F512, wf, w0 + 2 * n + 16).fma(xb, v21);
                v30 = FloatVector.fromArray(F512, wf, w0 + 3 * n).fma(xa, v30);
                v31 = FloatVector.fromArray(F512, wf, w0 + 3 * n + 16).fma(xb, v31);
            }
            float da = d[x0 / 256];
            acc0 = v00.add(v01).fma(FloatVector.broadcast(F512, s.d[b] * da), acc0);
            acc1 = v10.add(v11).fma(FloatVector.broadcast(F512, s.d[nb + b] * da), acc1);
            acc2 = v20.add(v21).fma(FloatVector.broadcast(F512, s.d[2 * nb + b] * da), acc2);
            acc3 = v30.add(v31).fma(FloatVector.broadcast(F512, s.d[3 * nb + b] * da), acc3);
        }
        // hsum from memory: four inlined hsum calls are past C2's inlining budget here, and the last ones then box
        // their vector (KernelAllocationTest)
        float[] f = s.lanes;
        acc0.intoArray(f, 0);
        acc1.intoArray(f, 16);
        acc2.intoArray(f, 32);
        acc3.intoArray(f, 48);
        for (int r = 0; r < ROW_TILE; r++) {
            out[o + r] = hsum(f, 16 * r);
        }
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
     * {@code acc[i] = f16(fma(x[xOff + i], s, accumulate ? acc[i] : -0))} with f16() rounding to the nearest f16
     * value (ties to even) and back, for |values| <= 65504. Adding and subtracting C = 1.5 * 2^(e + 13), e the lane's
     * exponent, rounds to a multiple of C's ulp, 2^(e - 10): eleven significant bits, f16's precision. Below 2^-14
     * (f16 subnormals) e is taken as -14, so C = 0.75 and the step is 2^-24, as f16 subnormals are spaced. The sign
     * is put back for values that round to zero.
     *
     * <p>The rounding is written out here, in the one loop that needs it, on purpose. As a helper taking a
     * FloatVector it was called from the C1-compiled loop while the JIT warmed up, got compiled on its own with
     * boxed fallbacks (too big to inline afterwards), and the attention loop ran on those: about a tenth of a
     * 512-token prefill. The earlier compare + blend form hit the same fallback.
     */
    private static void fmaRoundF16(float[] acc, float[] x, int xOff, float s, boolean accumulate, int n) {
        FloatVector sv = FloatVector.broadcast(F512, s);
        FloatVector negZero = FloatVector.broadcast(F512, -0f);
        int i = 0;
        for (; i <= n - 16; i += 16) {
            FloatVector y = FloatVector.fromArray(F512, x, xOff + i)
                    .fma(sv, accumulate ? FloatVector.fromArray(F512, acc, i) : negZero);
            IntVector bits = y.reinterpretAsInts();
            IntVector exp = bits.lanewise(VectorOperators.LSHR, 23).and(0xFF).max(127 - 14);
            FloatVector c = exp.add(13).lanewise(VectorOperators.LSHL, 23).or(0x400000).reinterpretAsFloats();
            y.add(c).sub(c).reinterpretAsInts().or(bits.and(0x80000000)).reinterpretAsFloats().intoArray(acc, i);
        }
        for (; i < n; i++) {
            acc[i] = Fp.roundF16(Math.fma(x[xOff + i], s, accumulate ? acc[i] : -0f));
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
