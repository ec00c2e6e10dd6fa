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
     * - one call for a task's rows, not one a row (dotsQ4K, dotsQ8_0, dotsQ4_0 and dotsQ5K loop over the rows
     *   themselves, storing each sum unconditionally: a null check there let C2 clone the whole loop, and it boxed):
     *   C2's way into a super-block loop (bounds checks hoisted ahead of it, a first iteration peeled) cost about as
     *   much as a super-block, a sixth of a 1536-column Q4_K row. dotQ6K stays one row a call: as a row loop it boxed
     *   in JVMs that had run the 128-bit portable kernels first (DESIGN.md);
     * - no helper methods of ours in the one-token kernels (dotsQ4K, dotsQ5K, dotQ6K, dotsQ8_0, dotsQ4_0): they write
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
     * Two products summed per int16 lane (at most 2 x 128 x 127 = 32512), the pairs widened to int32 in place
     * ({@code (x + (x << 16)) >> 16}), one fused multiply-add per block into sixteen float lanes, even and odd blocks
     * in two accumulators. Not ggml's lane order (ScalarKernels#dotQ8_0 keeps that one): its eight-lane quad sums cost
     * about a third more instructions per block here.
     */
    @Override
    public float dotQ8_0(MemorySegment w, long off, QuantizedActivations a, int xOff, int n) {
        return dotsQ8_0(w, off, 0, 1, a, xOff, n, ONE_ROW.get(), 0);
    }

    /** {@link #dotQ8_0} for {@code rows} rows in one call, as {@link #dotsQ4K}. */
    private static float dotsQ8_0(MemorySegment w, long off, long rowBytes, int rows, QuantizedActivations a,
                                  int xOff, int n, float[] out, int outOff) {
        short[] q16 = a.q16;
        float[] d = a.d;
        int blocks = n / 32;
        int d0 = xOff / 32;
        float dot = 0;
        for (int r = 0; r < rows; r++) {
            long ro = off + r * rowBytes;
            FloatVector acc0 = FloatVector.zero(F512);
            FloatVector acc1 = FloatVector.zero(F512);
            int b = 0;
            for (; b + 1 < blocks; b += 2) {
                long bo = ro + 34L * b;
                int x = xOff + 32 * b;
                IntVector p = ((ShortVector) ByteVector.fromMemorySegment(B256, w, bo + 2, LE)
                        .convertShape(VectorOperators.B2S, S512, 0))
                        .lanewise(VectorOperators.MUL, ShortVector.fromArray(S512, q16, x))
                        .reinterpretAsInts();
                p = p.lanewise(VectorOperators.ADD, p.lanewise(VectorOperators.LSHL, 16))
                        .lanewise(VectorOperators.ASHR, 16);
                float s = Float.float16ToFloat(w.get(LE_SHORT, bo)) * d[d0 + b];
                acc0 = ((FloatVector) p.convert(VectorOperators.I2F, 0)).fma(FloatVector.broadcast(F512, s), acc0);
                IntVector p1 = ((ShortVector) ByteVector.fromMemorySegment(B256, w, bo + 36, LE)
                        .convertShape(VectorOperators.B2S, S512, 0))
                        .lanewise(VectorOperators.MUL, ShortVector.fromArray(S512, q16, x + 32))
                        .reinterpretAsInts();
                p1 = p1.lanewise(VectorOperators.ADD, p1.lanewise(VectorOperators.LSHL, 16))
                        .lanewise(VectorOperators.ASHR, 16);
                float s1 = Float.float16ToFloat(w.get(LE_SHORT, bo + 34)) * d[d0 + b + 1];
                acc1 = ((FloatVector) p1.convert(VectorOperators.I2F, 0)).fma(FloatVector.broadcast(F512, s1), acc1);
            }
            if (b < blocks) { // an odd block count
                long bo = ro + 34L * b;
                IntVector p = ((ShortVector) ByteVector.fromMemorySegment(B256, w, bo + 2, LE)
                        .convertShape(VectorOperators.B2S, S512, 0))
                        .lanewise(VectorOperators.MUL, ShortVector.fromArray(S512, q16, xOff + 32 * b))
                        .reinterpretAsInts();
                p = p.lanewise(VectorOperators.ADD, p.lanewise(VectorOperators.LSHL, 16))
                        .lanewise(VectorOperators.ASHR, 16);
                float s = Float.float16ToFloat(w.get(LE_SHORT, bo)) * d[d0 + b];
                acc0 = ((FloatVector) p.convert(VectorOperators.I2F, 0)).fma(FloatVector.broadcast(F512, s), acc0);
            }
            FloatVector acc = acc0.lanewise(VectorOperators.ADD, acc1);
            // folded to eight lanes, then hsum's halving order from extracted lanes (see dotsQ4K)
            FloatVector h = ((FloatVector) acc.reinterpretShape(F256, 0))
                    .lanewise(VectorOperators.ADD, (FloatVector) acc.reinterpretShape(F256, 1));
            float h0 = h.lane(0) + h.lane(4), h1 = h.lane(1) + h.lane(5);
            float h2 = h.lane(2) + h.lane(6), h3 = h.lane(3) + h.lane(7);
            dot = (h0 + h2) + (h1 + h3);
            out[outOff + r] = dot;
        }
        return dot;
    }

    @Override
    public float dotQ4_0(MemorySegment w, long off, QuantizedActivations a, int xOff, int n) {
        return dotsQ4_0(w, off, 0, 1, a, xOff, n, ONE_ROW.get(), 0);
    }

    /** {@link #dotQ4_0} for {@code rows} rows in one call, as {@link #dotsQ4K}. */
    private static float dotsQ4_0(MemorySegment w, long off, long rowBytes, int rows, QuantizedActivations a,
                                  int xOff, int n, float[] out, int outOff) {
        short[] q16 = a.q16;
        float[] d = a.d;
        int blocks = n / 32;
        int d0 = xOff / 32;
        float dot = 0;
        for (int r = 0; r < rows; r++) {
            long ro = off + r * rowBytes;
            FloatVector acc = FloatVector.zero(F512);
            for (int b = 0; b < blocks; b++) {
                long bo = ro + 18L * b;
                // 16 bytes: low nibbles are values 0..15, high nibbles 16..31
                ShortVector z = (ShortVector) ByteVector.fromMemorySegment(B128, w, bo + 2, LE)
                        .convertShape(VectorOperators.ZERO_EXTEND_B2S, S256, 0);
                ShortVector p = z.lanewise(VectorOperators.AND, (short) 0xF).lanewise(VectorOperators.SUB, (short) 8)
                        .lanewise(VectorOperators.MUL, ShortVector.fromArray(S256, q16, xOff + 32 * b))
                        .lanewise(VectorOperators.ADD, z.lanewise(VectorOperators.LSHR, 4)
                                .lanewise(VectorOperators.SUB, (short) 8)
                                .lanewise(VectorOperators.MUL, ShortVector.fromArray(S256, q16, xOff + 32 * b + 16)));
                IntVector s = (IntVector) p.convertShape(VectorOperators.S2I, I512, 0);
                float scale = Float.float16ToFloat(w.get(LE_SHORT, bo)) * d[d0 + b];
                acc = ((FloatVector) s.convert(VectorOperators.I2F, 0)).fma(FloatVector.broadcast(F512, scale), acc);
            }
            // folded to eight lanes, then hsum's halving order from extracted lanes (see dotsQ4K)
            FloatVector h = ((FloatVector) acc.reinterpretShape(F256, 0))
                    .lanewise(VectorOperators.ADD, (FloatVector) acc.reinterpretShape(F256, 1));
            float h0 = h.lane(0) + h.lane(4), h1 = h.lane(1) + h.lane(5);
            float h2 = h.lane(2) + h.lane(6), h3 = h.lane(3) + h.lane(7);
            dot = (h0 + h2) + (h1 + h3);
            out[outOff + r] = dot;
        }
        return dot;
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
    /**
     * The activation vectors q16p holds less 256 times another (h, l pairs): an int16 lane x = lo + 256 hi of two
     * values (lo, hi < 256) times activation a_l, plus hi times (a_h - 256 a_l), is lo a_l + hi a_h modulo 2^16, so a
     * kernel need not mask x's high byte off; its sums stay exact wherever their true value fits in int16. dotQ6K
     * folds each pair permute's two bytes. dotQ4K folds nothing: folding its low nibbles' bytes (one mask fewer per
     * 64 values) measured no faster (hot data, one thread, three alternated pairs).
     */
    static final int[] Q4K_FOLDS = {};
    static final int[] Q6K_FOLDS = {1, 0, 3, 2, 5, 4, 7, 6};
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
            lo[k] = 8 + 2 * (k % 4); // the scales' lanes of Q4K_HEAD_INDEX's result
            hi[k] = 8 + 2 * (k % 4) + 1;
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
                pairs[64 * k + 2 * i] = perm[32 * (2 * k) + i];
                pairs[64 * k + 2 * i + 1] = perm[32 * (2 * k + 1) + i];
            }
        }
        Q4K_PAIR01 = ByteVector.fromArray(ByteVector.SPECIES_512, pairs, 0);
        Q4K_PAIR23 = ByteVector.fromArray(ByteVector.SPECIES_512, pairs, 64);
        Q4K_LO_SCALE = IntVector.fromArray(I512, lo, 0);
        Q4K_HI_SCALE = IntVector.fromArray(I512, hi, 0);
    }

    private static final VectorSpecies<Byte> B512 = ByteVector.SPECIES_512;

    /**
     * Where the one-row entry points (dotQ4K and the like) have the row kernels write their one result: the kernels
     * store unconditionally, as a null check in their row loop let C2 clone the whole loop (unswitching).
     */
    private static final ThreadLocal<float[]> ONE_ROW = ThreadLocal.withInitial(() -> new float[1]);

    /*
     * get_scale_min_k4 for all eight sub-blocks in int lanes, from the block's first 64 bytes (packed byte i at 4 + i):
     * lane j < 8 the min of sub-block j, lane 8 + j its scale. A byte permute puts the byte with a value's low bits in
     * byte 0 of its lane and, for sub-blocks 4 to 7, the byte whose top two bits are its high bits in byte 1; then
     * {@code ((v >>> shift) & low) | ((v >>> 10) & high)} per lane.
     */
    private static final ByteVector Q4K_HEAD_INDEX;
    private static final IntVector Q4K_HEAD_SHIFT;
    private static final IntVector Q4K_HEAD_LOW;
    private static final IntVector Q4K_HEAD_HIGH;

    static {
        byte[] index = new byte[64];
        int[] shift = new int[16];
        int[] low = new int[16];
        int[] high = new int[16];
        for (int k = 0; k < 16; k++) {
            int j = k % 8;
            boolean min = k < 8;
            index[4 * k] = (byte) (j < 4 && !min ? 4 + j : 8 + j);
            index[4 * k + 1] = (byte) (j < 4 ? 0 : min ? 4 + j : j);
            shift[k] = min && j >= 4 ? 4 : 0;
            low[k] = j < 4 ? 0x3F : 0x0F;
            high[k] = j < 4 ? 0 : 0x30;
        }
        Q4K_HEAD_INDEX = ByteVector.fromArray(ByteVector.SPECIES_512, index, 0);
        Q4K_HEAD_SHIFT = IntVector.fromArray(I512, shift, 0);
        Q4K_HEAD_LOW = IntVector.fromArray(I512, low, 0);
        Q4K_HEAD_HIGH = IntVector.fromArray(I512, high, 0);
    }

    /**
     * Q4_K against Q8_K activations permuted as described above (QuantizedActivations.q16p). Per super-block: int
     * lane k sums the scaled products of 16 values (8 of sub-block 2 (k % 4), 8 of the next), exactly; one fused
     * multiply-add per lane with {@code d * d8}; the mins' eight products (exact) likewise with {@code -dmin * d8}. Not
     * ggml's lane order, so the scalar twin (and prefill's panel kernels) agree up to float reassociation.
     */
    @Override
    public float dotQ4K(MemorySegment w, long off, QuantizedActivations a, int xOff, int n) {
        return dotsQ4K(w, off, 0, 1, a, xOff, n, ONE_ROW.get(), 0);
    }

    /**
     * {@link #dotQ4K} for {@code rows} rows, the first at byte {@code off} and each {@code rowBytes} after the last,
     * against one activation row: {@code out[outOff + i]} = row i's dot product; returns the last row's. One call for
     * a task's rows instead of one a row: at 1536 columns (six super-blocks) C2's entry into the super-block loop (its
     * hoisted bounds checks, a first iteration peeled) cost about as much as a super-block.
     */
    private static float dotsQ4K(MemorySegment w, long off, long rowBytes, int rows, QuantizedActivations a, int xOff,
                                 int n, float[] out, int outOff) {
        short[] qp = a.q16p;
        float[] d = a.d;
        int[] bsum32 = a.bsum32;
        int d0 = xOff / 256;
        int j0 = xOff / 32;
        float dot = 0;
        for (int r = 0; r < rows; r++) {
            long ro = off + r * rowBytes;
            FloatVector acc = FloatVector.zero(F512);
            FloatVector mins = FloatVector.zero(F256);
            for (int b = 0; b < n / 256; b++) {
                long bo = ro + 144L * b;
                int x0 = xOff + 256 * b;
                // the packed scales and mins unpacked in vector registers (Q4K_HEAD_INDEX). Unpacked in scalar code
                // (k4Scales, k4Mins) they took ~30 instructions and enough general registers that C2 kept the loop's
                // indexes in vector registers, moving them back and forth every super-block
                IntVector hv = Q4K_HEAD_INDEX.selectFrom(ByteVector.fromMemorySegment(B512, w, bo, LE))
                        .reinterpretAsInts();
                IntVector sm = hv.lanewise(VectorOperators.LSHR, Q4K_HEAD_SHIFT).and(Q4K_HEAD_LOW)
                        .or(hv.lanewise(VectorOperators.LSHR, 10).and(Q4K_HEAD_HIGH));
                int dd = w.get(LE_INT, bo);
                ByteVector q0 = ByteVector.fromMemorySegment(B512, w, bo + 16, LE);
                ByteVector q1 = ByteVector.fromMemorySegment(B512, w, bo + 80, LE);
                // two parts per byte permute, interleaved (Q4K_PAIR01, Q4K_PAIR23): int16 lane i holds part 2k's byte i
                // in its low byte and part 2k + 1's in its high byte, so shifts and masks give the four nibble vectors
                // without a widening conversion (fewer instructions, and less IR: written out with one conversion per
                // part the method sat at C2's node budget and in some test JVMs boxed vectors). Shifted as int32 lanes,
                // the bits crossing from the high int16 masked off: C2 shifts int16 lanes by a count held in a vector
                // register (vpsrlw zmm, zmm, xmm), which on Zen 4 issues to the multiplier's port and stalls behind
                // the eight vpmullw; int32 lanes take an immediate count (see DESIGN.md)
                IntVector s01 = Q4K_PAIR01.selectFrom(q0, q1).reinterpretAsInts();
                ShortVector los = s01.and(0x000F000F).reinterpretAsShorts().mul(ShortVector.fromArray(S512, qp, x0))
                        .add(s01.lanewise(VectorOperators.LSHR, 8).and(0x000F000F).reinterpretAsShorts()
                                .mul(ShortVector.fromArray(S512, qp, x0 + 64)));
                ShortVector his = s01.lanewise(VectorOperators.LSHR, 4).and(0x000F000F).reinterpretAsShorts()
                        .mul(ShortVector.fromArray(S512, qp, x0 + 32))
                        .add(s01.lanewise(VectorOperators.LSHR, 12).and(0x000F000F).reinterpretAsShorts()
                                .mul(ShortVector.fromArray(S512, qp, x0 + 96)));
                IntVector s23 = Q4K_PAIR23.selectFrom(q0, q1).reinterpretAsInts();
                los = los.add(s23.and(0x000F000F).reinterpretAsShorts().mul(ShortVector.fromArray(S512, qp, x0 + 128)))
                        .add(s23.lanewise(VectorOperators.LSHR, 8).and(0x000F000F).reinterpretAsShorts()
                                .mul(ShortVector.fromArray(S512, qp, x0 + 192)));
                his = his.add(s23.lanewise(VectorOperators.LSHR, 4).and(0x000F000F).reinterpretAsShorts()
                        .mul(ShortVector.fromArray(S512, qp, x0 + 160)))
                        .add(s23.lanewise(VectorOperators.LSHR, 12).and(0x000F000F).reinterpretAsShorts()
                                .mul(ShortVector.fromArray(S512, qp, x0 + 224)));
                // adjacent int16 lanes summed into their int32 lane as (x + (x << 16)) >> 16, then scaled
                IntVector li = los.reinterpretAsInts();
                IntVector hi = his.reinterpretAsInts();
                IntVector isum = li.add(li.lanewise(VectorOperators.LSHL, 16)).lanewise(VectorOperators.ASHR, 16)
                        .mul(Q4K_LO_SCALE.selectFrom(sm))
                        .add(hi.add(hi.lanewise(VectorOperators.LSHL, 16)).lanewise(VectorOperators.ASHR, 16)
                                .mul(Q4K_HI_SCALE.selectFrom(sm)));
                float da = d[d0 + b];
                // the eight six-bit mins as ints times the activations' 32-value sums (exact), a lane each
                IntVector mp = ((IntVector) sm.reinterpretShape(I256, 0))
                        .mul(IntVector.fromArray(I256, bsum32, j0 + 8 * b));
                mins = FloatVector.broadcast(F256, -da * Float.float16ToFloat((short) (dd >>> 16)))
                        .fma((FloatVector) mp.convert(VectorOperators.I2F, 0), mins);
                acc = FloatVector.broadcast(F512, da * Float.float16ToFloat((short) dd))
                        .fma((FloatVector) isum.convert(VectorOperators.I2F, 0), acc);
            }
            // the sixteen sums folded to eight (the halves added) with the mins' eight, then hsum's halving order
            // from extracted lanes: sixteen and eight extracted lanes (about 70 instructions, shuffles most) were a
            // sixth of a 1536-column row's time; five rearranges cost C2 about 6,000 IR nodes here
            FloatVector h = ((FloatVector) acc.reinterpretShape(F256, 0))
                    .lanewise(VectorOperators.ADD, (FloatVector) acc.reinterpretShape(F256, 1)).add(mins);
            float h0 = h.lane(0) + h.lane(4), h1 = h.lane(1) + h.lane(5);
            float h2 = h.lane(2) + h.lane(6), h3 = h.lane(3) + h.lane(7);
            dot = (h0 + h2) + (h1 + h3);
            out[outOff + r] = dot;
        }
        return dot;
    }

    @Override
    protected boolean matRowsOneToken(GgmlType type, MemorySegment w, long rowBytes, int r0, int r1,
                                      QuantizedActivations a, int cols, float[] out) {
        switch (type) {
            case Q4_K -> dotsQ4K(w, r0 * rowBytes, rowBytes, r1 - r0, a, 0, cols, out, r0);
            case Q8_0 -> dotsQ8_0(w, r0 * rowBytes, rowBytes, r1 - r0, a, 0, cols, out, r0);
            case Q4_0 -> dotsQ4_0(w, r0 * rowBytes, rowBytes, r1 - r0, a, 0, cols, out, r0);
            case Q5_K -> dotsQ5K(w, r0 * rowBytes, rowBytes, r1 - r0, a, 0, cols, out, r0);
            default -> {
                return false;
            }
        }
        return true;
    }

    @Override
    public float dotQ5K(MemorySegment w, long off, QuantizedActivations a, int xOff, int n) {
        return dotsQ5K(w, off, 0, 1, a, xOff, n, ONE_ROW.get(), 0);
    }

    /** {@link #dotQ5K} for {@code rows} rows in one call, as {@link #dotsQ4K}. */
    private static float dotsQ5K(MemorySegment w, long off, long rowBytes, int rows, QuantizedActivations a, int xOff,
                                 int n, float[] out, int outOff) {
        short[] q16 = a.q16;
        float[] d = a.d;
        int[] bsum32 = a.bsum32;
        float dot = 0;
        for (int r = 0; r < rows; r++) {
            long ro = off + r * rowBytes;
            FloatVector acc = FloatVector.zero(F512);
            float mins = 0;
            for (int b = 0; b < n / 256; b++) {
                long bo = ro + 176L * b;
                int x0 = xOff + 256 * b;
                int u0 = w.get(LE_INT, bo + 4);
                int u1 = w.get(LE_INT, bo + 8);
                int u2 = w.get(LE_INT, bo + 12);
                // k4Mins, written out (see the notes above)
                long m = (u1 & 0x3F3F3F3FL) | (long) (((u2 >>> 4) & 0x0F0F0F0F) | ((u1 >>> 6) & 0x03030303) << 4) << 32;
                // k4Scales, written out (see the notes above)
                long sc = (u0 & 0x3F3F3F3FL) | (long) ((u2 & 0x0F0F0F0F) | ((u0 >>> 6) & 0x03030303) << 4) << 32;
                IntVector scales = (IntVector) LongVector.broadcast(L128, sc).reinterpretAsBytes()
                        .convertShape(VectorOperators.ZERO_EXTEND_B2I, I512, 0);
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
            // folded to eight lanes, then hsum's halving order from extracted lanes (see dotsQ4K)
            FloatVector h = ((FloatVector) acc.reinterpretShape(F256, 0))
                    .lanewise(VectorOperators.ADD, (FloatVector) acc.reinterpretShape(F256, 1));
            float h0 = h.lane(0) + h.lane(4), h1 = h.lane(1) + h.lane(5);
            float h2 = h.lane(2) + h.lane(6), h3 = h.lane(3) + h.lane(7);
            dot = ((h0 + h2) + (h1 + h3)) - mins;
            out[outOff + r] = dot;
        }
        return dot;
    }


    /*
     * The Q6_K one-token kernel, shaped as dotQ4K: int16 products summed lane by lane across a super-block, the pair
     * sums and scales once per super-block. First the 256 six-bit values are put together in bytes, 64 a vector, with
     * constant shifts only: X holds ql bytes 0..31 and 64..95, Y bytes 32..63 and 96..127, so that in either vector a
     * byte's two top bits sit in the qh byte at the same position (qh bytes 0..31 serve ql 0..63, qh 32..63 ql
     * 64..127). Low nibbles of X: values 0..31 and 128..159 (qh bits 0-1), of Y: 32..63 and 160..191 (bits 2-3); high
     * nibbles of X: 64..95 and 192..223 (bits 4-5), of Y: 96..127 and 224..255 (bits 6-7). Then two-source byte
     * permutes (Q6K_PAIR) of the low-nibble vectors (sub-blocks 0-3 and 8-11, "family A") and of the high-nibble ones
     * (4-7 and 12-15, family B: the same permutes, every value 64 on) give int16 lanes holding two values of one
     * sub-block, low byte and high byte: int16 lane j of every product vector holds values of sub-block
     * Q6K_LO_SB[(j / 2) % 8] (family B: four on), so the four products per lane and family add up in int16 (at most
     * 4 x 63 x 127 = 32004) and int32 lane k carries one sub-block's scale. The values are summed without their offset
     * of 32, which comes off once per super-block as 32 x the sum over sub-blocks of scale x (sum of its 16
     * activations), from Q8_K's bsums. The activations follow in q16p (Q6K_ACT).
     */
    private static final int[] Q6K_LO_SB = {0, 1, 2, 3, 8, 9, 10, 11};
    /**
     * As Q4K_ACT: where q16p's value 32 v + j comes from; v = 2m + b for family A (m the pair permute, b the byte),
     * four on for family B.
     */
    static final int[] Q6K_ACT = new int[256];
    /** Q6K_ACT mod 128 as byte permute indexes, as Q4K_ACT_BYTES. */
    private static final byte[] Q6K_ACT_BYTES = new byte[512];
    /** -1 in the byte lanes whose value Q6K_ACT takes from the first 128 values of a super-block. */
    private static final byte[] Q6K_FIRST_HALF = new byte[64];
    /** Two-source permute of ql0, ql1 (bytes 0..63, 64..127) into X (ql 0..31, 64..95) and Y (ql 32..63, 96..127). */
    private static final ByteVector Q6K_X;
    private static final ByteVector Q6K_Y;
    /** The two pair permutes of a family's two six-bit vectors (low nibbles of X and of Y, or high nibbles). */
    private static final ByteVector Q6K_PAIR0;
    private static final ByteVector Q6K_PAIR1;
    /** Int lane k's scale: sub-block Q6K_LO_SB[k % 8] for family A, four on for family B. */
    private static final IntVector Q6K_LO_SCALE;
    private static final IntVector Q6K_HI_SCALE;

    static {
        byte[] x = new byte[64];
        byte[] y = new byte[64];
        for (int i = 0; i < 32; i++) {
            x[i] = (byte) i;
            x[32 + i] = (byte) (64 + i);
            y[i] = (byte) (32 + i);
            y[32 + i] = (byte) (96 + i);
        }
        byte[] pairs = new byte[128];
        for (int m = 0; m < 2; m++) {
            for (int j = 0; j < 32; j++) {
                int k = j / 2;
                int s = Q6K_LO_SB[k % 8];
                int t = (k / 8) * 2 + j % 2;
                for (int b = 0; b < 2; b++) {
                    int v = 16 * s + 4 * t + 2 * m + b; // family A's value in the super-block
                    // where it lies in (low nibbles of X, low nibbles of Y): X's bytes are values 0..31, 128..159
                    int index = v < 32 ? v : v < 64 ? 64 + v - 32 : v < 160 ? 32 + v - 128 : 96 + v - 160;
                    pairs[64 * m + 2 * j + b] = (byte) index;
                    Q6K_ACT[32 * (2 * m + b) + j] = v;
                    Q6K_ACT[32 * (4 + 2 * m + b) + j] = v + 64;
                }
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
        Q6K_X = ByteVector.fromArray(B512, x, 0);
        Q6K_Y = ByteVector.fromArray(B512, y, 0);
        Q6K_PAIR0 = ByteVector.fromArray(B512, pairs, 0);
        Q6K_PAIR1 = ByteVector.fromArray(B512, pairs, 64);
        Q6K_LO_SCALE = IntVector.fromArray(I512, lo, 0);
        Q6K_HI_SCALE = IntVector.fromArray(I512, hi, 0);
    }

    /**
     * Q6_K against Q8_K activations permuted as above (q16p). Int lane k sums the scaled products of 16 values (8 of
     * sub-block Q6K_LO_SB[k % 8], 8 of the one four on), exactly, less the offsets' 32 x scale x bsum; then one fused
     * multiply-add per lane with {@code d * d8}, and the lanes' halving sum.
     */
    @Override
    public float dotQ6K(MemorySegment w, long off, QuantizedActivations a, int xOff, int n) {
        short[] qp = a.q16p;
        float[] d = a.d;
        int[] bsums = a.bsums;
        FloatVector acc = FloatVector.zero(F512);
        for (int b = 0; b < n / 256; b++) {
            long bo = off + 210L * b;
            int x0 = xOff + 256 * b;
            ByteVector ql0 = ByteVector.fromMemorySegment(B512, w, bo, LE);
            ByteVector ql1 = ByteVector.fromMemorySegment(B512, w, bo + 64, LE);
            ShortVector qh = ByteVector.fromMemorySegment(B512, w, bo + 128, LE).reinterpretAsShorts();
            ShortVector xs = Q6K_X.selectFrom(ql0, ql1).reinterpretAsShorts();
            ShortVector ys = Q6K_Y.selectFrom(ql0, ql1).reinterpretAsShorts();
            // six-bit values in bytes (shifts in int16 lanes, the bits crossing bytes masked off)
            ByteVector xl = xs.lanewise(VectorOperators.AND, (short) 0x0F0F)
                    .lanewise(VectorOperators.OR, qh.lanewise(VectorOperators.LSHL, 4)
                            .lanewise(VectorOperators.AND, (short) 0x3030)).reinterpretAsBytes();
            ByteVector yl = ys.lanewise(VectorOperators.AND, (short) 0x0F0F)
                    .lanewise(VectorOperators.OR, qh.lanewise(VectorOperators.LSHL, 2)
                            .lanewise(VectorOperators.AND, (short) 0x3030)).reinterpretAsBytes();
            ByteVector xh = xs.lanewise(VectorOperators.LSHR, 4).lanewise(VectorOperators.AND, (short) 0x0F0F)
                    .lanewise(VectorOperators.OR, qh.lanewise(VectorOperators.AND, (short) 0x3030))
                    .reinterpretAsBytes();
            ByteVector yh = ys.lanewise(VectorOperators.LSHR, 4).lanewise(VectorOperators.AND, (short) 0x0F0F)
                    .lanewise(VectorOperators.OR, qh.lanewise(VectorOperators.LSHR, 2)
                            .lanewise(VectorOperators.AND, (short) 0x3030)).reinterpretAsBytes();
            // the pair permutes: int16 lanes with two values of one sub-block, lo + 256 hi, against activations folded
            // to match (Q6K_FOLDS): the lane times a, plus hi times (a' - 256 a), is lo a + hi a' modulo 2^16
            ShortVector a0 = Q6K_PAIR0.selectFrom(xl, yl).reinterpretAsShorts();
            ShortVector a1 = Q6K_PAIR1.selectFrom(xl, yl).reinterpretAsShorts();
            ShortVector b0 = Q6K_PAIR0.selectFrom(xh, yh).reinterpretAsShorts();
            ShortVector b1 = Q6K_PAIR1.selectFrom(xh, yh).reinterpretAsShorts();
            ShortVector los = a0.lanewise(VectorOperators.MUL, ShortVector.fromArray(S512, qp, x0))
                    .lanewise(VectorOperators.ADD, a0.lanewise(VectorOperators.LSHR, 8).lanewise(VectorOperators.MUL,
                            ShortVector.fromArray(S512, qp, x0 + 32)))
                    .lanewise(VectorOperators.ADD,
                            a1.lanewise(VectorOperators.MUL, ShortVector.fromArray(S512, qp, x0 + 64)))
                    .lanewise(VectorOperators.ADD, a1.lanewise(VectorOperators.LSHR, 8).lanewise(VectorOperators.MUL,
                            ShortVector.fromArray(S512, qp, x0 + 96)));
            ShortVector his = b0.lanewise(VectorOperators.MUL, ShortVector.fromArray(S512, qp, x0 + 128))
                    .lanewise(VectorOperators.ADD, b0.lanewise(VectorOperators.LSHR, 8).lanewise(VectorOperators.MUL,
                            ShortVector.fromArray(S512, qp, x0 + 160)))
                    .lanewise(VectorOperators.ADD,
                            b1.lanewise(VectorOperators.MUL, ShortVector.fromArray(S512, qp, x0 + 192)))
                    .lanewise(VectorOperators.ADD, b1.lanewise(VectorOperators.LSHR, 8).lanewise(VectorOperators.MUL,
                            ShortVector.fromArray(S512, qp, x0 + 224)));
            // adjacent int16 lanes summed into their int32 lane as (x >> 16) + ((x << 16) >> 16): the sums reach
            // 2 x 32004, past int16, so not dotQ4K's (x + (x << 16)) >> 16; then scaled, less the offsets
            IntVector scales = (IntVector) ByteVector.fromMemorySegment(B128, w, bo + 192, LE)
                    .convertShape(VectorOperators.B2I, I512, 0);
            IntVector li = los.reinterpretAsInts();
            IntVector hi = his.reinterpretAsInts();
            IntVector isum = li.lanewise(VectorOperators.ASHR, 16)
                    .lanewise(VectorOperators.ADD, li.lanewise(VectorOperators.LSHL, 16)
                            .lanewise(VectorOperators.ASHR, 16))
                    .lanewise(VectorOperators.MUL, Q6K_LO_SCALE.selectFrom(scales))
                    .lanewise(VectorOperators.ADD, hi.lanewise(VectorOperators.ASHR, 16)
                            .lanewise(VectorOperators.ADD, hi.lanewise(VectorOperators.LSHL, 16)
                                    .lanewise(VectorOperators.ASHR, 16))
                            .lanewise(VectorOperators.MUL, Q6K_HI_SCALE.selectFrom(scales)))
                    .lanewise(VectorOperators.SUB, scales.lanewise(VectorOperators.MUL,
                            IntVector.fromArray(I512, bsums, x0 / 16)).lanewise(VectorOperators.LSHL, 5));
            float scale = Float.float16ToFloat(w.get(LE_SHORT, bo + 208)) * d[x0 / 256];
            acc = ((FloatVector) isum.convert(VectorOperators.I2F, 0)).fma(FloatVector.broadcast(F512, scale), acc);
        }
        // folded to eight lanes, then hsum's halving order from extracted lanes (see dotsQ4K)
        FloatVector h = ((FloatVector) acc.reinterpretShape(F256, 0))
                .lanewise(VectorOperators.ADD, (FloatVector) acc.reinterpretShape(F256, 1));
        float h0 = h.lane(0) + h.lane(4), h1 = h.lane(1) + h.lane(5);
        float h2 = h.lane(2) + h.lane(6), h3 = h.lane(3) + h.lane(7);
        return (h0 + h2) + (h1 + h3);
    }

    /** {@link Kernels#swiglu}: the same operations, in the same order, sixteen lanes at a time. */
    @Override
    public void swiglu(float[] gate, float[] up, float[] out, int from, int to) {
        int i = from;
        for (; i <= to - 16; i += 16) {
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
        swigluScalar(gate, up, out, i, to);
    }

    // ---- Prefill: several tokens per weight row -------------------------------------------------------------------

    /** Fewest tokens for which decoding a weight row once and reusing it beats the one-token kernels. */
    static final int BATCH_MIN = 4;

    /*
     * Prefill is a mat-mat product out[t][r] = sum_k w[r][k] x[t][k], compute-bound, done as a float GEMM in the
     * shape of BLAS kernels:
     * - a task's weight rows are taken PANEL (32) at a time, decoded to floats with their scales folded in (w = d *
     *   scale * q - dmin * min, as Kernels.dequantizeRow), then transposed so that the panel's 32 values of each
     *   column k lie side by side: two 512-bit vectors, rows in lanes. Each weight is decoded once per mat-mul;
     * - the activations are the int8 values the one-token kernels use, times their block scale (exactly what
     *   llama.cpp's vec_dot sees), packed once per mat-mul by prepare in tiles of TOKENS (12) tokens, the tile's 12
     *   values of each column side by side;
     * - the inner kernel (panelTile) keeps a 32 x 12 tile of sums in 24 registers for the whole row: per column two
     *   weight loads and twelve broadcasts feed 24 fused multiply-adds, and the sums are the outputs themselves, 16
     *   rows a vector, with no sum across lanes at the end.
     * The one-token kernels add exact integer products per block and scale them; here every product is scaled
     * first. Both are the same sum up to float rounding (relative differences near 1e-6), not the same bits. Q8_0
     * (panelTileQ8, tiles of Q8_TOKENS) keeps ggml's per-block arithmetic instead: exact integer sums of each 32-value
     * block, then one fused multiply-add with dw * dx; with every product scaled, the golden Q8_0 model's logits
     * came out 0.028 RMS from llama.cpp's, past the 0.0245 its test allows (exact block sums: 0.022). Q4_K leaves the
     * float GEMM: its four-bit values times int8 activations fit int16 products, 32 to a multiply instruction against
     * an FMA's 16 (panelTileQ4K, with the panel and the activations as int16 pairs).
     */

    /** Weight rows per prefill panel: two float vectors of rows. */
    static final int PANEL = 32;
    /** Tokens per prefill tile: with two vectors of rows, 24 sums in registers (of 32) beside the two weight vectors. */
    static final int TOKENS = 12;

    /** Tokens per Q8_0 prefill tile: 12 block sums and 12 totals in registers. */
    static final int Q8_TOKENS = 6;

    /** Tokens per Q4_K prefill tile (panelTileQ4K): 6 int16 and 6 float sums in registers per half panel. */
    static final int PAIR_TOKENS = 6;

    /** A worker's prefill scratch: one panel of decoded rows, transposed, and the tile's sums. */
    private static final class PanelScratch {
        /** 256 columns of the panel's rows as decoded, row i at {@code rows[256 * i]}. */
        final float[] rows = new float[PANEL * 256];
        /** The panel transposed: column k's PANEL values at {@code panel[panelBase + k * PANEL]}. */
        float[] panel = new float[0];
        MemorySegment panelSegment = MemorySegment.ofArray(panel);
        int panelBase;
        /** Calls since panelBase was last asked for (see matRowsBatched). */
        int sinceAsked;
        /**
         * The panel's scales per 32 columns, block b's PANEL values at {@code panelD[b * PANEL]}: Q8_0's block scales,
         * Q4_K's {@code d * scale} of each sub-block.
         */
        float[] panelD = new float[0];
        /** Q4_K: {@code dmin * min} of each sub-block, laid out as panelD. */
        float[] panelMins = new float[0];
        /** panelTile's sums: token j's 32 rows at {@code 32 * j}. */
        final float[] sums = new float[PANEL * TOKENS];

        PanelScratch ensure(int n) {
            if (panel.length < PANEL * n + ArrayAlignment.LINE_FLOATS) {
                panel = new float[PANEL * n + ArrayAlignment.LINE_FLOATS];
                panelSegment = MemorySegment.ofArray(panel);
                sinceAsked = 0;
                panelD = new float[PANEL * n / 32];
                panelMins = new float[PANEL * n / 32];
            }
            return this;
        }
    }

    private final ThreadLocal<PanelScratch> panelScratch = ThreadLocal.withInitial(PanelScratch::new);

    /**
     * Whether prefill of {@code type} takes panelTile (a row decoder to floats exists; Q4_K takes panelTileQ4K, Q8_0
     * panelTileQ8). Rows of F32, F16 and BF16 need a multiple of 16 columns (the transposition's blocks); every other
     * row goes through the one-token kernels.
     */
    private static boolean panelType(GgmlType type, int cols) {
        return switch (type) {
            case Q4_K, Q6_K, Q4_0 -> true;
            case F32, F16, BF16 -> cols % 16 == 0;
            default -> false;
        };
    }

    /**
     * {@link Kernels#quantizeQ8KBlock}, sixteen values a vector, with the same results bit for bit: the largest
     * magnitude by a lane maximum (exact), the signed value by the first lane that holds it (the scalar loop keeps
     * the first), {@code rint} as {@code (y + ROUND_MAGIC) - ROUND_MAGIC} (round half to even, exact for
     * |y| < 2^22; here |y| <= 127), and a 16-value sum per vector. Blocks of zeros or with a NaN go to the scalar
     * code, whose comparisons skip NaN. It runs before every mat-mul's row tasks (a prefill's rows spread over the
     * workers).
     */
    @Override
    protected void quantizeK(float[] x, int from, int to, byte[] q, float[] d, int[] bsums) {
        FloatVector round = FloatVector.broadcast(F512, ROUND_MAGIC);
        IntVector top = IntVector.broadcast(I512, 127); // explicit broadcasts: see "kernel rules" above
        for (int b = from / 256; b < to / 256; b++) {
            int base = b * 256;
            FloatVector m = FloatVector.zero(F512);
            for (int j = 0; j < 256; j += 16) {
                m = m.max(FloatVector.fromArray(F512, x, base + j).lanewise(VectorOperators.ABS));
            }
            float amax = m.reduceLanes(VectorOperators.MAX);
            if (amax == 0 || Float.isNaN(amax)) {
                quantizeQ8KBlock(x, b, q, d, bsums);
                continue;
            }
            float max = 0;
            FloatVector target = FloatVector.broadcast(F512, amax);
            for (int j = 0; j < 256; j += 16) {
                jdk.incubator.vector.VectorMask<Float> at = FloatVector.fromArray(F512, x, base + j)
                        .lanewise(VectorOperators.ABS).eq(target);
                if (at.anyTrue()) {
                    max = x[base + j + at.firstTrue()];
                    break;
                }
            }
            float iscale = -127.0f / max;
            FloatVector s = FloatVector.broadcast(F512, iscale);
            for (int j = 0; j < 256; j += 16) {
                IntVector v = ((IntVector) FloatVector.fromArray(F512, x, base + j).mul(s).add(round).sub(round)
                        .convert(VectorOperators.F2I, 0)).min(top);
                ((ByteVector) v.convertShape(VectorOperators.I2B, B128, 0)).intoArray(q, base + j);
                bsums[b * 16 + j / 16] = v.reduceLanes(VectorOperators.ADD);
            }
            d[b] = 1 / iscale;
        }
    }

    /** Whether prepare packs these activations for the panel kernels (matRowsBatched then takes them). */
    private static boolean packs(GgmlType type, int rows, int cols) {
        return rows >= BATCH_MIN && (panelType(type, cols) || type == GgmlType.Q8_0);
    }

    @Override
    public void prepare(GgmlType type, float[] x, int rows, int cols, QuantizedActivations a, Loop loop) {
        a.packedType = null; // set again below if this preparation packs
        // packed values go to matRowsBatched (rows >= BATCH_MIN), so the one-token kernels' int16 layouts are left to
        // ensureRowLayouts: built here they took 1.4% of a 1.5B Q4_K_M pp512, on the calling thread alone
        boolean pack = packs(type, rows, cols);
        prepare(type, x, rows, cols, a, !pack, loop);
        if (pack) {
            switch (type) {
                case Q8_0 -> packActivations(a, rows, cols, Q8_TOKENS, 32, false, loop);
                case Q4_K -> packPairs(a, rows, cols, loop);
                case Q4_0 -> packActivations(a, rows, cols, TOKENS, 32, true, loop);
                case F32, F16, BF16 -> packActivations(a, rows, cols, TOKENS, 0, true, loop); // a.f, rounded
                default -> packActivations(a, rows, cols, TOKENS, 256, true, loop);
            }
            a.packedType = type;
        }
    }

    /** Adds the one-token Q4_K and Q6_K kernels' layout (Q4K_ACT, Q6K_ACT) to the int16 copy. */
    @Override
    protected void buildRowLayouts(QuantizedActivations a) {
        super.buildRowLayouts(a);
        GgmlType type = a.preparedType;
        if (type == GgmlType.Q4_K || type == GgmlType.Q6_K) {
            int n = a.preparedRows * a.preparedCols;
            a.ensureQ16p(n);
            boolean q4k = type == GgmlType.Q4_K;
            permuteActivations(a.q, a.q16p, n, q4k ? Q4K_ACT_BYTES : Q6K_ACT_BYTES,
                    q4k ? Q4K_FIRST_HALF : Q6K_FIRST_HALF, q4k ? Q4K_FOLDS : Q6K_FOLDS);
        }
    }

    /**
     * The int8 activations {@code q} widened to int16 in the one-token Q4_K/Q6_K kernels' lane layout, super-block by
     * super-block, into {@code q16p}; then, for each pair (h, l) of {@code folds}, vector h less vector l times 256
     * (mod 2^16; see Q4K_FOLDS). A method of its own: inside prepare, with the quantization and widening C2 inlines
     * there, its vector operations were left as calls and boxed (2 MB of garbage and 1.4 instead of 1.1 ms for 256
     * tokens of 1536 values, in every run of a harness that prepared nothing else).
     */
    private static void permuteActivations(byte[] q, short[] q16p, int n, byte[] indexes, byte[] firstHalf,
                                           int[] folds) {
        ByteVector first = ByteVector.fromArray(B512, firstHalf, 0);
        for (int base = 0; base < n; base += 256) {
            // vector v takes its values from sub-blocks of both halves of the super-block: a permute of each
            // half's 128 bytes (the same indexes, the layout's values mod 128), the lanes merged by and-masks
            ByteVector a0 = ByteVector.fromArray(B512, q, base);
            ByteVector a1 = ByteVector.fromArray(B512, q, base + 64);
            ByteVector a2 = ByteVector.fromArray(B512, q, base + 128);
            ByteVector a3 = ByteVector.fromArray(B512, q, base + 192);
            for (int v = 0; v < 8; v++) {
                ByteVector index = ByteVector.fromArray(B512, indexes, 64 * v);
                ByteVector r = index.selectFrom(a0, a1).and(first).or(index.selectFrom(a2, a3).and(first.not()));
                ((ShortVector) r.convertShape(VectorOperators.B2S, S512, 0)).intoArray(q16p, base + 32 * v);
            }
            for (int f = 0; f < folds.length; f += 2) {
                int h = base + 32 * folds[f];
                ShortVector.fromArray(S512, q16p, h).lanewise(VectorOperators.SUB,
                        ShortVector.fromArray(S512, q16p, base + 32 * folds[f + 1]).lanewise(VectorOperators.LSHL, 8))
                        .intoArray(q16p, h);
            }
        }
    }

    /**
     * The activations for the panel kernels, in tiles of {@code width} tokens: value k of token t at
     * {@code packed[packedBase + (g * cols + k) * width + t % width]}, g = t / width, as {@code q * d} (d its block's
     * scale; {@code block} 0: the prepared float {@code f}), or with {@code scaled} false as {@code q}, the block scales
     * then at {@code packedScales[(g * (cols / block) + b) * width + t % width]}. Zeros for the last tile's missing
     * tokens.
     */
    private static void packActivations(QuantizedActivations a, int rows, int cols, int width, int block,
                                        boolean scaled, Loop loop) {
        int tiles = (rows + width - 1) / width;
        a.ensurePacked(tiles * cols * width);
        a.packedBase = ArrayAlignment.floatsToLine(a.packedSegment);
        float[] p = a.packed;
        int nb = block == 0 ? 0 : cols / block;
        if (!scaled) {
            a.ensurePackedScales(tiles * nb * width);
        }
        loop.run(tiles, g -> packTile(a, p, g, rows, cols, width, block, nb, scaled));
    }

    /** Tile {@code g} of {@link #packActivations}. */
    private static void packTile(QuantizedActivations a, float[] p, int g, int rows, int cols, int width, int block,
                                 int nb, boolean scaled) {
        int base = a.packedBase + g * cols * width;
        for (int j = 0; j < width; j++) {
            int t = g * width + j;
            int x = t * cols;
            for (int b = 0; !scaled && b < nb; b++) {
                a.packedScales[(g * nb + b) * width + j] = t < rows ? a.d[t * nb + b] : 0;
            }
            if (t >= rows) {
                for (int k = 0; k < cols; k++) {
                    p[base + k * width + j] = 0;
                }
            } else if (block == 0) {
                for (int k = 0; k < cols; k++) {
                    p[base + k * width + j] = a.f[x + k];
                }
            } else {
                for (int b = 0; b < nb; b++) {
                    float d = scaled ? a.d[t * nb + b] : 1;
                    for (int k = b * block; k < (b + 1) * block; k++) {
                        p[base + k * width + j] = a.q[x + k] * d;
                    }
                }
            }
        }
    }

    /**
     * Q4_K's activations for panelTileQ4K, in tiles of PAIR_TOKENS tokens (g = t / PAIR_TOKENS, j = t % PAIR_TOKENS):
     * pair p of super-block s, {@code p = 32 c + k} with c and k below 4 and 32, is the int8 values of columns
     * {@code 256 s + 64 c + k} and {@code + 32} (the same position in sub-blocks 2c and 2c + 1, the low and high
     * nibbles of one weight byte) as one int of two int16 lanes (the first in the low half, the little-endian lane
     * order of {@code ShortVector.reinterpretAsInts}) at
     * {@code packedPairs[(g * cols / 2 + 128 s + p) * PAIR_TOKENS + j]};
     * the super-block scale d at {@code packedScales[(g * cols / 256 + s) * PAIR_TOKENS + j]}; {@code -d} times the sum
     * of each 32-value sub-block b at {@code packedMins[(g * cols / 32 + b) * PAIR_TOKENS + j]}. Zeros for the last
     * tile's missing tokens.
     */
    private static void packPairs(QuantizedActivations a, int rows, int cols, Loop loop) {
        int width = PAIR_TOKENS;
        int tiles = (rows + width - 1) / width;
        int pairs = cols / 2;
        int ns = cols / 256;
        int nb = cols / 32;
        a.ensurePackedPairs(tiles * pairs * width, tiles * nb * width);
        a.ensurePackedScales(tiles * ns * width);
        loop.run(tiles, g -> {
            for (int j = 0; j < width; j++) {
                int t = g * width + j;
                boolean real = t < rows;
                int x = t * cols;
                for (int p = 0; p < pairs; p++) {
                    int c = x + (p >> 7 << 8) + ((p >> 5 & 3) << 6) + (p & 31);
                    a.packedPairs[(g * pairs + p) * width + j] = real ? (a.q[c] & 0xFFFF) | (a.q[c + 32] << 16) : 0;
                }
                for (int sb = 0; sb < ns; sb++) {
                    a.packedScales[(g * ns + sb) * width + j] = real ? a.d[t * ns + sb] : 0;
                }
                for (int b = 0; b < nb; b++) {
                    a.packedMins[(g * nb + b) * width + j] = real ? -a.d[t * ns + b / 8] * a.bsum32[t * nb + b] : 0;
                }
            }
        });
    }

    /*
     * Loop order: panels of PANEL rows, each decoded and transposed once, then every tile of TOKENS (Q8_0: Q8_TOKENS,
     * Q4_K: PAIR_TOKENS) tokens against the whole panel (its sums stay in registers from the first column to the last).
     */
    @Override
    protected boolean matRowsBatched(GgmlType type, MemorySegment w, long rowBytes, int r0, int r1,
                                     QuantizedActivations a, int n, int cols, float[] out, int outStride,
                                     float[] bias) {
        if (n < BATCH_MIN || a.packedType != type) {
            return false;
        }
        boolean q8 = type == GgmlType.Q8_0;
        boolean pairs = type == GgmlType.Q4_K; // int16 pairs (panelTileQ4K)
        int width = q8 ? Q8_TOKENS : pairs ? PAIR_TOKENS : TOKENS;
        int tiles = (n + width - 1) / width;
        int nb = cols / 32;
        long chunkBytes = type.rowBytes(256);
        PanelScratch s = panelScratch.get().ensure(cols);
        // asked again every 64 calls, as the collector may move the array (a stale answer costs speed, not results:
        // a call writes and reads its panel at one offset); asking every call took 2% of a prefill (a downcall each)
        if (s.sinceAsked++ % 64 == 0) {
            s.panelBase = ArrayAlignment.floatsToLine(s.panelSegment);
        }
        for (int r = r0; r < r1; r += PANEL) {
            int m = Math.min(PANEL, r1 - r);
            if (m < PANEL) { // a last panel's missing rows: zeros (their sums are never stored)
                java.util.Arrays.fill(s.rows, m * 256, PANEL * 256, 0f);
                for (int b = 0; q8 && b < nb; b++) {
                    java.util.Arrays.fill(s.panelD, b * PANEL + m, b * PANEL + PANEL, 0f);
                }
            }
            // 256 columns at a time (Q8_0, Q4_0, F32, F16, BF16: fewer at the end of a row): decoded (32 KB, in L1),
            // then transposed into the panel
            for (int c = 0; c < cols; c += 256) {
                int columns = Math.min(256, cols - c);
                for (int i = 0; i < m; i++) {
                    long off = (r + i) * rowBytes + c / 256 * chunkBytes;
                    switch (type) {
                        case Q4_K -> decodeRowQ4KPairs(w, off, s.rows, 256 * i, s.panelD, s.panelMins,
                                c / 32 * PANEL + i);
                        case Q6_K -> decodeRowQ6K(w, off, columns, s.rows, 256 * i);
                        case Q8_0 -> decodeRowQ8_0(w, off, columns, s.rows, 256 * i, s.panelD, c / 32 * PANEL + i);
                        case Q4_0 -> decodeRowQ4_0(w, off, columns, s.rows, 256 * i);
                        case F16 -> decodeRowF16(w, off, columns, s.rows, 256 * i);
                        case BF16 -> decodeRowBf16(w, off, columns, s.rows, 256 * i);
                        default -> decodeRowF32(w, off, columns, s.rows, 256 * i);
                    }
                }
                // Q4_K: 128 ints per row, each two int16 values (packPairs' pairs), transposed the same way
                int elements = pairs ? columns / 2 : columns;
                int first = pairs ? c / 2 : c;
                for (int g = 0; g < PANEL; g += 16) {
                    for (int k = 0; k < elements; k += 16) {
                        transpose16(s.rows, 256 * g + k, 256, s.panel, s.panelBase + (first + k) * PANEL + g);
                    }
                }
            }
            for (int g = 0; g < tiles; g++) {
                int x = a.packedBase + g * cols * width;
                if (q8) {
                    panelTileQ8(s.panel, s.panelBase, s.panelD, a.packed, x, a.packedScales, g * nb * width, cols,
                            s.sums);
                } else if (pairs) {
                    panelMinsQ4K(s.panelMins, a.packedMins, g * nb * width, cols, s.sums);
                    for (int half = 0; half < 2; half++) {
                        panelTileQ4K(s.panel, s.panelBase, half, s.panelD, a.packedPairs, g * cols / 2 * width,
                                a.packedScales, g * (cols / 256) * width, cols, s.sums);
                    }
                } else {
                    panelTile(s.panel, s.panelBase, a.packed, x, cols, s.sums);
                }
                int t0 = g * width;
                for (int j = 0; j < Math.min(width, n - t0); j++) {
                    System.arraycopy(s.sums, PANEL * j, out, (t0 + j) * outStride + r, m);
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

    /** transpose16's two-source permutes: stage s (blocks of 8 >> s) first at {@code 32 * s}, second at +16. */
    private static final int[] TRANSPOSE = new int[128];

    static {
        for (int s = 0; s < 4; s++) {
            int b = 8 >> s;
            for (int l = 0; l < 16; l++) {
                boolean low = (l & b) == 0;
                TRANSPOSE[32 * s + l] = low ? l : 16 + l - b;
                TRANSPOSE[32 * s + 16 + l] = low ? l + b : 16 + l;
            }
        }
    }

    /**
     * A 16 x 16 block of floats transposed: row i of the source ({@code src[so + i * stride]}, 16 values) becomes
     * column i of the destination ({@code dst[dOff + j * PANEL + i]} for j = 0..15). Four stages of two-source
     * permutes (vpermi2d), each swapping the off-diagonal blocks of half the size of the last: 64 permutes, against
     * 256 gathered values for a gather per column. Written out, as vectors in an array would be boxed.
     */
    private static void transpose16(float[] src, int so, int stride, float[] dst, int dOff) {
        IntVector v0 = FloatVector.fromArray(F512, src, so + 0 * stride).reinterpretAsInts();
        IntVector v1 = FloatVector.fromArray(F512, src, so + 1 * stride).reinterpretAsInts();
        IntVector v2 = FloatVector.fromArray(F512, src, so + 2 * stride).reinterpretAsInts();
        IntVector v3 = FloatVector.fromArray(F512, src, so + 3 * stride).reinterpretAsInts();
        IntVector v4 = FloatVector.fromArray(F512, src, so + 4 * stride).reinterpretAsInts();
        IntVector v5 = FloatVector.fromArray(F512, src, so + 5 * stride).reinterpretAsInts();
        IntVector v6 = FloatVector.fromArray(F512, src, so + 6 * stride).reinterpretAsInts();
        IntVector v7 = FloatVector.fromArray(F512, src, so + 7 * stride).reinterpretAsInts();
        IntVector v8 = FloatVector.fromArray(F512, src, so + 8 * stride).reinterpretAsInts();
        IntVector v9 = FloatVector.fromArray(F512, src, so + 9 * stride).reinterpretAsInts();
        IntVector v10 = FloatVector.fromArray(F512, src, so + 10 * stride).reinterpretAsInts();
        IntVector v11 = FloatVector.fromArray(F512, src, so + 11 * stride).reinterpretAsInts();
        IntVector v12 = FloatVector.fromArray(F512, src, so + 12 * stride).reinterpretAsInts();
        IntVector v13 = FloatVector.fromArray(F512, src, so + 13 * stride).reinterpretAsInts();
        IntVector v14 = FloatVector.fromArray(F512, src, so + 14 * stride).reinterpretAsInts();
        IntVector v15 = FloatVector.fromArray(F512, src, so + 15 * stride).reinterpretAsInts();
        IntVector lo;
        IntVector hi;
        IntVector t;
        lo = IntVector.fromArray(I512, TRANSPOSE, 0); // blocks of 8
        hi = IntVector.fromArray(I512, TRANSPOSE, 16);
        t = lo.selectFrom(v0, v8);
        v8 = hi.selectFrom(v0, v8);
        v0 = t;
        t = lo.selectFrom(v1, v9);
        v9 = hi.selectFrom(v1, v9);
        v1 = t;
        t = lo.selectFrom(v2, v10);
        v10 = hi.selectFrom(v2, v10);
        v2 = t;
        t = lo.selectFrom(v3, v11);
        v11 = hi.selectFrom(v3, v11);
        v3 = t;
        t = lo.selectFrom(v4, v12);
        v12 = hi.selectFrom(v4, v12);
        v4 = t;
        t = lo.selectFrom(v5, v13);
        v13 = hi.selectFrom(v5, v13);
        v5 = t;
        t = lo.selectFrom(v6, v14);
        v14 = hi.selectFrom(v6, v14);
        v6 = t;
        t = lo.selectFrom(v7, v15);
        v15 = hi.selectFrom(v7, v15);
        v7 = t;
        lo = IntVector.fromArray(I512, TRANSPOSE, 32); // blocks of 4
        hi = IntVector.fromArray(I512, TRANSPOSE, 48);
        t = lo.selectFrom(v0, v4);
        v4 = hi.selectFrom(v0, v4);
        v0 = t;
        t = lo.selectFrom(v1, v5);
        v5 = hi.selectFrom(v1, v5);
        v1 = t;
        t = lo.selectFrom(v2, v6);
        v6 = hi.selectFrom(v2, v6);
        v2 = t;
        t = lo.selectFrom(v3, v7);
        v7 = hi.selectFrom(v3, v7);
        v3 = t;
        t = lo.selectFrom(v8, v12);
        v12 = hi.selectFrom(v8, v12);
        v8 = t;
        t = lo.selectFrom(v9, v13);
        v13 = hi.selectFrom(v9, v13);
        v9 = t;
        t = lo.selectFrom(v10, v14);
        v14 = hi.selectFrom(v10, v14);
        v10 = t;
        t = lo.selectFrom(v11, v15);
        v15 = hi.selectFrom(v11, v15);
        v11 = t;
        lo = IntVector.fromArray(I512, TRANSPOSE, 64); // blocks of 2
        hi = IntVector.fromArray(I512, TRANSPOSE, 80);
        t = lo.selectFrom(v0, v2);
        v2 = hi.selectFrom(v0, v2);
        v0 = t;
        t = lo.selectFrom(v1, v3);
        v3 = hi.selectFrom(v1, v3);
        v1 = t;
        t = lo.selectFrom(v4, v6);
        v6 = hi.selectFrom(v4, v6);
        v4 = t;
        t = lo.selectFrom(v5, v7);
        v7 = hi.selectFrom(v5, v7);
        v5 = t;
        t = lo.selectFrom(v8, v10);
        v10 = hi.selectFrom(v8, v10);
        v8 = t;
        t = lo.selectFrom(v9, v11);
        v11 = hi.selectFrom(v9, v11);
        v9 = t;
        t = lo.selectFrom(v12, v14);
        v14 = hi.selectFrom(v12, v14);
        v12 = t;
        t = lo.selectFrom(v13, v15);
        v15 = hi.selectFrom(v13, v15);
        v13 = t;
        lo = IntVector.fromArray(I512, TRANSPOSE, 96); // blocks of 1
        hi = IntVector.fromArray(I512, TRANSPOSE, 112);
        t = lo.selectFrom(v0, v1);
        v1 = hi.selectFrom(v0, v1);
        v0 = t;
        t = lo.selectFrom(v2, v3);
        v3 = hi.selectFrom(v2, v3);
        v2 = t;
        t = lo.selectFrom(v4, v5);
        v5 = hi.selectFrom(v4, v5);
        v4 = t;
        t = lo.selectFrom(v6, v7);
        v7 = hi.selectFrom(v6, v7);
        v6 = t;
        t = lo.selectFrom(v8, v9);
        v9 = hi.selectFrom(v8, v9);
        v8 = t;
        t = lo.selectFrom(v10, v11);
        v11 = hi.selectFrom(v10, v11);
        v10 = t;
        t = lo.selectFrom(v12, v13);
        v13 = hi.selectFrom(v12, v13);
        v12 = t;
        t = lo.selectFrom(v14, v15);
        v15 = hi.selectFrom(v14, v15);
        v14 = t;
        v0.reinterpretAsFloats().intoArray(dst, dOff + 0 * PANEL);
        v1.reinterpretAsFloats().intoArray(dst, dOff + 1 * PANEL);
        v2.reinterpretAsFloats().intoArray(dst, dOff + 2 * PANEL);
        v3.reinterpretAsFloats().intoArray(dst, dOff + 3 * PANEL);
        v4.reinterpretAsFloats().intoArray(dst, dOff + 4 * PANEL);
        v5.reinterpretAsFloats().intoArray(dst, dOff + 5 * PANEL);
        v6.reinterpretAsFloats().intoArray(dst, dOff + 6 * PANEL);
        v7.reinterpretAsFloats().intoArray(dst, dOff + 7 * PANEL);
        v8.reinterpretAsFloats().intoArray(dst, dOff + 8 * PANEL);
        v9.reinterpretAsFloats().intoArray(dst, dOff + 9 * PANEL);
        v10.reinterpretAsFloats().intoArray(dst, dOff + 10 * PANEL);
        v11.reinterpretAsFloats().intoArray(dst, dOff + 11 * PANEL);
        v12.reinterpretAsFloats().intoArray(dst, dOff + 12 * PANEL);
        v13.reinterpretAsFloats().intoArray(dst, dOff + 13 * PANEL);
        v14.reinterpretAsFloats().intoArray(dst, dOff + 14 * PANEL);
        v15.reinterpretAsFloats().intoArray(dst, dOff + 15 * PANEL);
    }

    /**
     * One panel against one token tile: {@code sums[32 j + i]} = row i of the panel dotted with token j of the tile
     * (packed activations at {@code x}). The 24 sums live in registers; written out, as a loop over the tokens keeps
     * them in memory.
     */
    private static void panelTile(float[] panel, int pb, float[] xp, int x, int cols, float[] sums) {
        FloatVector a0 = FloatVector.zero(F512), b0 = a0, a1 = a0, b1 = a0, a2 = a0, b2 = a0, a3 = a0, b3 = a0;
        FloatVector a4 = a0, b4 = a0, a5 = a0, b5 = a0, a6 = a0, b6 = a0, a7 = a0, b7 = a0;
        FloatVector a8 = a0, b8 = a0, a9 = a0, b9 = a0, a10 = a0, b10 = a0, a11 = a0, b11 = a0;
        for (int k = 0; k < cols; k++) {
            FloatVector lo = FloatVector.fromArray(F512, panel, pb + k * PANEL);
            FloatVector hi = FloatVector.fromArray(F512, panel, pb + k * PANEL + 16);
            int xk = x + k * TOKENS;
            FloatVector v = FloatVector.broadcast(F512, xp[xk]);
            a0 = lo.fma(v, a0);
            b0 = hi.fma(v, b0);
            v = FloatVector.broadcast(F512, xp[xk + 1]);
            a1 = lo.fma(v, a1);
            b1 = hi.fma(v, b1);
            v = FloatVector.broadcast(F512, xp[xk + 2]);
            a2 = lo.fma(v, a2);
            b2 = hi.fma(v, b2);
            v = FloatVector.broadcast(F512, xp[xk + 3]);
            a3 = lo.fma(v, a3);
            b3 = hi.fma(v, b3);
            v = FloatVector.broadcast(F512, xp[xk + 4]);
            a4 = lo.fma(v, a4);
            b4 = hi.fma(v, b4);
            v = FloatVector.broadcast(F512, xp[xk + 5]);
            a5 = lo.fma(v, a5);
            b5 = hi.fma(v, b5);
            v = FloatVector.broadcast(F512, xp[xk + 6]);
            a6 = lo.fma(v, a6);
            b6 = hi.fma(v, b6);
            v = FloatVector.broadcast(F512, xp[xk + 7]);
            a7 = lo.fma(v, a7);
            b7 = hi.fma(v, b7);
            v = FloatVector.broadcast(F512, xp[xk + 8]);
            a8 = lo.fma(v, a8);
            b8 = hi.fma(v, b8);
            v = FloatVector.broadcast(F512, xp[xk + 9]);
            a9 = lo.fma(v, a9);
            b9 = hi.fma(v, b9);
            v = FloatVector.broadcast(F512, xp[xk + 10]);
            a10 = lo.fma(v, a10);
            b10 = hi.fma(v, b10);
            v = FloatVector.broadcast(F512, xp[xk + 11]);
            a11 = lo.fma(v, a11);
            b11 = hi.fma(v, b11);
        }
        a0.intoArray(sums, 0);
        b0.intoArray(sums, 16);
        a1.intoArray(sums, 32);
        b1.intoArray(sums, 48);
        a2.intoArray(sums, 64);
        b2.intoArray(sums, 80);
        a3.intoArray(sums, 96);
        b3.intoArray(sums, 112);
        a4.intoArray(sums, 128);
        b4.intoArray(sums, 144);
        a5.intoArray(sums, 160);
        b5.intoArray(sums, 176);
        a6.intoArray(sums, 192);
        b6.intoArray(sums, 208);
        a7.intoArray(sums, 224);
        b7.intoArray(sums, 240);
        a8.intoArray(sums, 256);
        b8.intoArray(sums, 272);
        a9.intoArray(sums, 288);
        b9.intoArray(sums, 304);
        a10.intoArray(sums, 320);
        b10.intoArray(sums, 336);
        a11.intoArray(sums, 352);
        b11.intoArray(sums, 368);
    }

    /**
     * Q4_K against half a panel of int16 pairs (decodeRowQ4KPairs: rows {@code 16 * half} to {@code 16 * half + 15}),
     * a tile of PAIR_TOKENS tokens (packPairs), adding to the sums panelMinsQ4K left in {@code sums}. Per 64 columns
     * (sub-blocks 2c and 2c + 1, one weight byte's two nibbles per pair), the exact integer sums of their products for
     * 16 rows x 6 tokens: one int16 multiply per pair (vpmullw, 32 products an instruction against a float FMA's 16),
     * summed in the int16 lanes, each lane one sub-block's; then per row and token
     * {@code acc += dx * (dw * scale_lo * sum_lo + dw * scale_hi * sum_hi)}. The four-bit values come centred,
     * {@code q - 8} (panelMinsQ4K adds back {@code 8 * dw * scale} times the sub-block's activation sum), so 32
     * products fit an int16 lane (at most 32 x 8 x 127 = 32512) and a lane needs no partner: the lanes start at
     * 32768, so the two halves of an int32 come apart with a mask and a logical shift, against the four shifts and
     * an add that summing uncentred pairs every 32 columns took. sums[32 j + i] as in panelTile. Written out like the
     * other tiles (sums in arrays or loops over the tokens would live in memory), and small: over the whole panel (24
     * sums in registers, as panelTileQ8), C2 left some of the method's last vector operations as calls, boxing the
     * sums, in one test JVM in five to ten (KernelAllocationTest).
     */
    private static void panelTileQ4K(float[] panel, int pb, int half, float[] ps, int[] xp, int x, float[] xd,
                                     int xdo, int cols, float[] sums) {
        // the int16 sums start at 32768, so a lane holds 32768 + its sum, from 256 to 65280 unsigned, taken out of its
        // int32 with a mask or a logical shift. Ints to floats without VectorSupport.convert, whose intrinsic failed
        // most often of all here: for 0 <= v < 2^22 the float with the bits of ROUND_MAGIC (1.5 * 2^23) or v is
        // ROUND_MAGIC + v, exactly, so less ROUND_MAGIC + 32768 it is the sum
        ShortVector bias = ShortVector.broadcast(S512, (short) 0x8000);
        IntVector low16 = IntVector.broadcast(I512, 0xFFFF);
        IntVector magicBits = IntVector.broadcast(I512, Float.floatToRawIntBits(ROUND_MAGIC));
        FloatVector magic = FloatVector.broadcast(F512, ROUND_MAGIC + 32768);
        int h = 16 * half;
        FloatVector a0 = FloatVector.fromArray(F512, sums, 0 + h);
        FloatVector a1 = FloatVector.fromArray(F512, sums, 32 + h);
        FloatVector a2 = FloatVector.fromArray(F512, sums, 64 + h);
        FloatVector a3 = FloatVector.fromArray(F512, sums, 96 + h);
        FloatVector a4 = FloatVector.fromArray(F512, sums, 128 + h);
        FloatVector a5 = FloatVector.fromArray(F512, sums, 160 + h);
        for (int blk = 0; blk < cols / 64; blk++) {
            ShortVector s0 = bias, s1 = s0, s2 = s0, s3 = s0, s4 = s0, s5 = s0;
            for (int p = 32 * blk; p < 32 * blk + 32; p++) {
                ShortVector w = FloatVector.fromArray(F512, panel, pb + p * PANEL + h).reinterpretAsShorts();
                int xk = x + p * PAIR_TOKENS;
                s0 = s0.add(w.mul(IntVector.broadcast(I512, xp[xk]).reinterpretAsShorts()));
                s1 = s1.add(w.mul(IntVector.broadcast(I512, xp[xk + 1]).reinterpretAsShorts()));
                s2 = s2.add(w.mul(IntVector.broadcast(I512, xp[xk + 2]).reinterpretAsShorts()));
                s3 = s3.add(w.mul(IntVector.broadcast(I512, xp[xk + 3]).reinterpretAsShorts()));
                s4 = s4.add(w.mul(IntVector.broadcast(I512, xp[xk + 4]).reinterpretAsShorts()));
                s5 = s5.add(w.mul(IntVector.broadcast(I512, xp[xk + 5]).reinterpretAsShorts()));
            }
            // the low int16 lane is sub-block 2 blk's, the high one sub-block 2 blk + 1's
            FloatVector dlo = FloatVector.fromArray(F512, ps, 2 * blk * PANEL + h);
            FloatVector dhi = FloatVector.fromArray(F512, ps, (2 * blk + 1) * PANEL + h);
            int xs = xdo + blk / 4 * PAIR_TOKENS;
            IntVector i;
            i = s0.reinterpretAsInts();
            a0 = dhi.fma(i.lanewise(VectorOperators.LSHR, 16).lanewise(VectorOperators.OR, magicBits)
                    .reinterpretAsFloats().sub(magic), dlo.mul(i.lanewise(VectorOperators.AND, low16)
                    .lanewise(VectorOperators.OR, magicBits).reinterpretAsFloats().sub(magic)))
                    .fma(FloatVector.broadcast(F512, xd[xs]), a0);
            i = s1.reinterpretAsInts();
            a1 = dhi.fma(i.lanewise(VectorOperators.LSHR, 16).lanewise(VectorOperators.OR, magicBits)
                    .reinterpretAsFloats().sub(magic), dlo.mul(i.lanewise(VectorOperators.AND, low16)
                    .lanewise(VectorOperators.OR, magicBits).reinterpretAsFloats().sub(magic)))
                    .fma(FloatVector.broadcast(F512, xd[xs + 1]), a1);
            i = s2.reinterpretAsInts();
            a2 = dhi.fma(i.lanewise(VectorOperators.LSHR, 16).lanewise(VectorOperators.OR, magicBits)
                    .reinterpretAsFloats().sub(magic), dlo.mul(i.lanewise(VectorOperators.AND, low16)
                    .lanewise(VectorOperators.OR, magicBits).reinterpretAsFloats().sub(magic)))
                    .fma(FloatVector.broadcast(F512, xd[xs + 2]), a2);
            i = s3.reinterpretAsInts();
            a3 = dhi.fma(i.lanewise(VectorOperators.LSHR, 16).lanewise(VectorOperators.OR, magicBits)
                    .reinterpretAsFloats().sub(magic), dlo.mul(i.lanewise(VectorOperators.AND, low16)
                    .lanewise(VectorOperators.OR, magicBits).reinterpretAsFloats().sub(magic)))
                    .fma(FloatVector.broadcast(F512, xd[xs + 3]), a3);
            i = s4.reinterpretAsInts();
            a4 = dhi.fma(i.lanewise(VectorOperators.LSHR, 16).lanewise(VectorOperators.OR, magicBits)
                    .reinterpretAsFloats().sub(magic), dlo.mul(i.lanewise(VectorOperators.AND, low16)
                    .lanewise(VectorOperators.OR, magicBits).reinterpretAsFloats().sub(magic)))
                    .fma(FloatVector.broadcast(F512, xd[xs + 4]), a4);
            i = s5.reinterpretAsInts();
            a5 = dhi.fma(i.lanewise(VectorOperators.LSHR, 16).lanewise(VectorOperators.OR, magicBits)
                    .reinterpretAsFloats().sub(magic), dlo.mul(i.lanewise(VectorOperators.AND, low16)
                    .lanewise(VectorOperators.OR, magicBits).reinterpretAsFloats().sub(magic)))
                    .fma(FloatVector.broadcast(F512, xd[xs + 5]), a5);
        }
        a0.intoArray(sums, 0 + h);
        a1.intoArray(sums, 32 + h);
        a2.intoArray(sums, 64 + h);
        a3.intoArray(sums, 96 + h);
        a4.intoArray(sums, 128 + h);
        a5.intoArray(sums, 160 + h);
    }

    /**
     * The mins' part of a Q4_K panel against a token tile, which panelTileQ4K then adds to: {@code sums[32 j + i]} =
     * the sum over sub-blocks of {@code dmin * min - 8 * d * scale} of row i (decodeRowQ4KPairs: the mins, and the 8
     * panelTileQ4K's centred values lack) times {@code -dx * xsum} of token j (packPairs).
     */
    private static void panelMinsQ4K(float[] pm, float[] xm, int xmo, int cols, float[] sums) {
        FloatVector a0 = FloatVector.zero(F512), b0 = a0, a1 = a0, b1 = a0, a2 = a0, b2 = a0;
        FloatVector a3 = a0, b3 = a0, a4 = a0, b4 = a0, a5 = a0, b5 = a0;
        for (int blk = 0; blk < cols / 32; blk++) {
            FloatVector mlo = FloatVector.fromArray(F512, pm, blk * PANEL);
            FloatVector mhi = FloatVector.fromArray(F512, pm, blk * PANEL + 16);
            int xb = xmo + blk * PAIR_TOKENS;
            FloatVector m;
            m = FloatVector.broadcast(F512, xm[xb]);
            a0 = mlo.fma(m, a0);
            b0 = mhi.fma(m, b0);
            m = FloatVector.broadcast(F512, xm[xb + 1]);
            a1 = mlo.fma(m, a1);
            b1 = mhi.fma(m, b1);
            m = FloatVector.broadcast(F512, xm[xb + 2]);
            a2 = mlo.fma(m, a2);
            b2 = mhi.fma(m, b2);
            m = FloatVector.broadcast(F512, xm[xb + 3]);
            a3 = mlo.fma(m, a3);
            b3 = mhi.fma(m, b3);
            m = FloatVector.broadcast(F512, xm[xb + 4]);
            a4 = mlo.fma(m, a4);
            b4 = mhi.fma(m, b4);
            m = FloatVector.broadcast(F512, xm[xb + 5]);
            a5 = mlo.fma(m, a5);
            b5 = mhi.fma(m, b5);
        }
        a0.intoArray(sums, 0);
        b0.intoArray(sums, 16);
        a1.intoArray(sums, 32);
        b1.intoArray(sums, 48);
        a2.intoArray(sums, 64);
        b2.intoArray(sums, 80);
        a3.intoArray(sums, 96);
        b3.intoArray(sums, 112);
        a4.intoArray(sums, 128);
        b4.intoArray(sums, 144);
        a5.intoArray(sums, 160);
        b5.intoArray(sums, 176);
    }

    /**
     * One Q4_K super-block of a row for panelTileQ4K: its 256 four-bit values less 8, as int16, two to an int (stored
     * as float bits: the panel is a float array, and transpose16 moves bits) in packPairs' order, the low and high
     * nibbles of weight byte {@code 32 c + k} in int {@code dst[o + 32 c + k]}; {@code d * scale} of its eight
     * sub-blocks at {@code sc[so + j * PANEL]} and {@code dmin * min - 8 * d * scale} at {@code mn[so + j * PANEL]}.
     */
    private static void decodeRowQ4KPairs(MemorySegment w, long off, float[] dst, int o, float[] sc, float[] mn,
                                          int so) {
        long h0 = w.get(LE_LONG, off);
        long h1 = w.get(LE_LONG, off + 8);
        float d = Float.float16ToFloat((short) h0);
        float dmin = Float.float16ToFloat((short) (h0 >>> 16));
        long scales = k4Scales((int) (h0 >>> 32), (int) (h1 >>> 32));
        long mins = k4Mins((int) h1, (int) (h1 >>> 32));
        for (int j = 0; j < 8; j++) {
            float ds = d * byteAt(scales, j);
            sc[so + j * PANEL] = ds;
            mn[so + j * PANEL] = Math.fma(dmin, byteAt(mins, j), -8 * ds);
        }
        IntVector nibbles = IntVector.broadcast(I512, 0x000F000F); // explicit broadcasts: see "kernel rules" above
        ShortVector eight = ShortVector.broadcast(S512, (short) 8);
        for (int j = 0; j < 8; j++) { // 16 bytes a step, each widened to an int b, then (b | b << 12) & 0x000F000F
            IntVector b = (IntVector) ByteVector.fromMemorySegment(B128, w, off + 16 + 16 * j, LE)
                    .convertShape(VectorOperators.ZERO_EXTEND_B2I, I512, 0);
            b.lanewise(VectorOperators.OR, b.lanewise(VectorOperators.LSHL, 12))
                    .lanewise(VectorOperators.AND, nibbles).reinterpretAsShorts()
                    .lanewise(VectorOperators.SUB, eight).reinterpretAsFloats().intoArray(dst, o + 16 * j);
        }
    }

    /** A Q6_K row as floats, {@code d * scale * (q - 32)} per value, into {@code dst[o..o + n - 1]}. */
    private static void decodeRowQ6K(MemorySegment w, long off, int n, float[] dst, int o) {
        ByteVector low4 = ByteVector.broadcast(B128, (byte) 0xF); // explicit broadcasts: see "kernel rules" above
        ByteVector low2 = ByteVector.broadcast(B128, (byte) 3);
        ByteVector bias = ByteVector.broadcast(B128, (byte) 32);
        for (int b = 0; b < n / 256; b++) {
            long bo = off + 210L * b;
            float d = Float.float16ToFloat(w.get(LE_SHORT, bo + 208));
            for (int h = 0; h < 2; h++) { // 128 values: ql 64 bytes, qh 32, eight scales
                long ql = bo + 64 * h;
                long qh = bo + 128 + 32 * h;
                long sc = bo + 192 + 8 * h;
                int v = o + 256 * b + 128 * h;
                for (int l = 0; l < 32; l += 16) {
                    int is = l / 16;
                    ByteVector x = ByteVector.fromMemorySegment(B128, w, ql + l, LE);
                    ByteVector y = ByteVector.fromMemorySegment(B128, w, ql + 32 + l, LE);
                    ByteVector z = ByteVector.fromMemorySegment(B128, w, qh + l, LE);
                    ByteVector q1 = x.and(low4).or(z.and(low2).lanewise(VectorOperators.LSHL, 4));
                    ByteVector q2 = y.and(low4)
                            .or(z.lanewise(VectorOperators.LSHR, 2).and(low2).lanewise(VectorOperators.LSHL, 4));
                    ByteVector q3 = x.lanewise(VectorOperators.LSHR, 4)
                            .or(z.lanewise(VectorOperators.LSHR, 4).and(low2).lanewise(VectorOperators.LSHL, 4));
                    ByteVector q4 = y.lanewise(VectorOperators.LSHR, 4)
                            .or(z.lanewise(VectorOperators.LSHR, 6).lanewise(VectorOperators.LSHL, 4));
                    ((FloatVector) q1.sub(bias).convertShape(VectorOperators.B2F, F512, 0))
                            .mul(FloatVector.broadcast(F512, d * w.get(ValueLayout.JAVA_BYTE, sc + is)))
                            .intoArray(dst, v + l);
                    ((FloatVector) q2.sub(bias).convertShape(VectorOperators.B2F, F512, 0))
                            .mul(FloatVector.broadcast(F512, d * w.get(ValueLayout.JAVA_BYTE, sc + is + 2)))
                            .intoArray(dst, v + 32 + l);
                    ((FloatVector) q3.sub(bias).convertShape(VectorOperators.B2F, F512, 0))
                            .mul(FloatVector.broadcast(F512, d * w.get(ValueLayout.JAVA_BYTE, sc + is + 4)))
                            .intoArray(dst, v + 64 + l);
                    ((FloatVector) q4.sub(bias).convertShape(VectorOperators.B2F, F512, 0))
                            .mul(FloatVector.broadcast(F512, d * w.get(ValueLayout.JAVA_BYTE, sc + is + 6)))
                            .intoArray(dst, v + 96 + l);
                }
            }
        }
    }

    /**
     * Q8_0 against a panel: for each 32-value block, the exact integer sums of the block's products (int8 values as
     * floats: below 2^24) for 32 rows x 6 tokens, then {@code acc += (dw * dx) * sum} as ggml's Q8_0 dot does per
     * block. sums[32 j + i] as in panelTile.
     */
    private static void panelTileQ8(float[] panel, int pb, float[] pd, float[] xp, int x, float[] xd, int xdo,
                                    int cols, float[] sums) {
        FloatVector a0 = FloatVector.zero(F512), b0 = a0, a1 = a0, b1 = a0, a2 = a0, b2 = a0;
        FloatVector a3 = a0, b3 = a0, a4 = a0, b4 = a0, a5 = a0, b5 = a0;
        for (int blk = 0; blk < cols / 32; blk++) {
            FloatVector s0 = FloatVector.zero(F512), t0 = s0, s1 = s0, t1 = s0, s2 = s0, t2 = s0;
            FloatVector s3 = s0, t3 = s0, s4 = s0, t4 = s0, s5 = s0, t5 = s0;
            for (int k = 32 * blk; k < 32 * blk + 32; k++) {
                FloatVector lo = FloatVector.fromArray(F512, panel, pb + k * PANEL);
                FloatVector hi = FloatVector.fromArray(F512, panel, pb + k * PANEL + 16);
                int xk = x + k * Q8_TOKENS;
                FloatVector v;
                v = FloatVector.broadcast(F512, xp[xk]);
                s0 = lo.fma(v, s0);
                t0 = hi.fma(v, t0);
                v = FloatVector.broadcast(F512, xp[xk + 1]);
                s1 = lo.fma(v, s1);
                t1 = hi.fma(v, t1);
                v = FloatVector.broadcast(F512, xp[xk + 2]);
                s2 = lo.fma(v, s2);
                t2 = hi.fma(v, t2);
                v = FloatVector.broadcast(F512, xp[xk + 3]);
                s3 = lo.fma(v, s3);
                t3 = hi.fma(v, t3);
                v = FloatVector.broadcast(F512, xp[xk + 4]);
                s4 = lo.fma(v, s4);
                t4 = hi.fma(v, t4);
                v = FloatVector.broadcast(F512, xp[xk + 5]);
                s5 = lo.fma(v, s5);
                t5 = hi.fma(v, t5);
            }
            FloatVector dlo = FloatVector.fromArray(F512, pd, blk * PANEL);
            FloatVector dhi = FloatVector.fromArray(F512, pd, blk * PANEL + 16);
            int xb = xdo + blk * Q8_TOKENS;
            FloatVector v;
            v = FloatVector.broadcast(F512, xd[xb]);
            a0 = dlo.mul(v).fma(s0, a0);
            b0 = dhi.mul(v).fma(t0, b0);
            v = FloatVector.broadcast(F512, xd[xb + 1]);
            a1 = dlo.mul(v).fma(s1, a1);
            b1 = dhi.mul(v).fma(t1, b1);
            v = FloatVector.broadcast(F512, xd[xb + 2]);
            a2 = dlo.mul(v).fma(s2, a2);
            b2 = dhi.mul(v).fma(t2, b2);
            v = FloatVector.broadcast(F512, xd[xb + 3]);
            a3 = dlo.mul(v).fma(s3, a3);
            b3 = dhi.mul(v).fma(t3, b3);
            v = FloatVector.broadcast(F512, xd[xb + 4]);
            a4 = dlo.mul(v).fma(s4, a4);
            b4 = dhi.mul(v).fma(t4, b4);
            v = FloatVector.broadcast(F512, xd[xb + 5]);
            a5 = dlo.mul(v).fma(s5, a5);
            b5 = dhi.mul(v).fma(t5, b5);
        }
        a0.intoArray(sums, 0);
        b0.intoArray(sums, 16);
        a1.intoArray(sums, 32);
        b1.intoArray(sums, 48);
        a2.intoArray(sums, 64);
        b2.intoArray(sums, 80);
        a3.intoArray(sums, 96);
        b3.intoArray(sums, 112);
        a4.intoArray(sums, 128);
        b4.intoArray(sums, 144);
        a5.intoArray(sums, 160);
        b5.intoArray(sums, 176);
    }

    /** A Q8_0 row's int8 values as floats into {@code dst[o..]}, block b's scale at {@code d[dOff + b * PANEL]}. */
    private static void decodeRowQ8_0(MemorySegment w, long off, int n, float[] dst, int o, float[] d, int dOff) {
        for (int b = 0; b < n / 32; b++) {
            long bo = off + 34L * b;
            d[dOff + b * PANEL] = Float.float16ToFloat(w.get(LE_SHORT, bo));
            ((FloatVector) ByteVector.fromMemorySegment(B128, w, bo + 2, LE)
                    .convertShape(VectorOperators.B2F, F512, 0)).intoArray(dst, o + 32 * b);
            ((FloatVector) ByteVector.fromMemorySegment(B128, w, bo + 18, LE)
                    .convertShape(VectorOperators.B2F, F512, 0)).intoArray(dst, o + 32 * b + 16);
        }
    }

    /** An F16 row as floats ({@code n} a multiple of 16). */
    private static void decodeRowF16(MemorySegment w, long off, int n, float[] dst, int o) {
        for (int i = 0; i < n; i += 16) {
            f16ToFloat(ShortVector.fromMemorySegment(S256, w, off + 2L * i, LE)).intoArray(dst, o + i);
        }
    }

    /** A BF16 row as floats ({@code n} a multiple of 16). */
    private static void decodeRowBf16(MemorySegment w, long off, int n, float[] dst, int o) {
        for (int i = 0; i < n; i += 16) {
            ((IntVector) ShortVector.fromMemorySegment(S256, w, off + 2L * i, LE)
                    .convertShape(VectorOperators.S2I, I512, 0)).lanewise(VectorOperators.LSHL, 16)
                    .reinterpretAsFloats().intoArray(dst, o + i);
        }
    }

    /** An F32 row ({@code n} a multiple of 16). */
    private static void decodeRowF32(MemorySegment w, long off, int n, float[] dst, int o) {
        for (int i = 0; i < n; i += 16) {
            FloatVector.fromMemorySegment(F512, w, off + 4L * i, LE).intoArray(dst, o + i);
        }
    }

    /** A Q4_0 row as floats, {@code d * (q - 8)} per value, into {@code dst[o..o + n - 1]}. */
    private static void decodeRowQ4_0(MemorySegment w, long off, int n, float[] dst, int o) {
        ByteVector low4 = ByteVector.broadcast(B128, (byte) 0xF); // explicit broadcasts: see "kernel rules" above
        ByteVector bias = ByteVector.broadcast(B128, (byte) 8);
        for (int b = 0; b < n / 32; b++) {
            long bo = off + 18L * b;
            FloatVector d = FloatVector.broadcast(F512, Float.float16ToFloat(w.get(LE_SHORT, bo)));
            ByteVector q = ByteVector.fromMemorySegment(B128, w, bo + 2, LE);
            ((FloatVector) q.and(low4).sub(bias).convertShape(VectorOperators.B2F, F512, 0))
                    .mul(d).intoArray(dst, o + 32 * b);
            ((FloatVector) q.lanewise(VectorOperators.LSHR, 4).sub(bias)
                    .convertShape(VectorOperators.B2F, F512, 0)).mul(d).intoArray(dst, o + 32 * b + 16);
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
