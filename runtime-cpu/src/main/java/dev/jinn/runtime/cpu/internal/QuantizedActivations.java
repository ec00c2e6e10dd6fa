package dev.jinn.runtime.cpu.internal;

import dev.jinn.quant.GgmlType;

/**
 * Activation rows prepared for one weight encoding, as llama.cpp prepares them ("vec_dot_type"): float32 for F32,
 * values rounded to f16/bf16 for F16/BF16 weights, int8 blocks of 32 with an f16 scale (Q8_0) for Q8_0/Q4_0 weights,
 * int8 blocks of 256 with a float scale and 16-value sums (Q8_K) for the K-quants. Reused between calls by one
 * thread; grows as needed.
 */
public final class QuantizedActivations {
    /** Rounded floats (F32/F16/BF16), {@code [rows][cols]}. */
    public float[] f = new float[0];
    /** int8 values, {@code [rows][cols]}. */
    public byte[] q = new byte[0];
    /** Block scales, {@code [rows][cols / blockSize]}. */
    public float[] d = new float[0];
    /** Q8_K: sums of each 16 int8 values, {@code [rows][cols / 16]}. */
    public int[] bsums = new int[0];
    /**
     * The int8 values widened to int16, {@code [rows][cols]}: the vector kernels multiply in 16-bit lanes, so
     * widening once per mat-mul saves a conversion per weight row.
     */
    public short[] q16 = new short[0];
    /**
     * For the AVX-512 Q4_K and Q6_K kernels: {@link #q16} with each super-block's 256 values permuted to that
     * kernel's lane layout (VectorKernels.Q4K_ACT, Q6K_ACT), {@code [rows][cols]}, Q6_K's odd 32-value vectors less 256
     * times the vector before them, modulo 2^16 (VectorKernels.Q6K_FOLDS); filled by VectorKernels.buildRowLayouts
     * for those two types only.
     */
    public short[] q16p = new short[0];
    /**
     * Whether {@link #q16} and {@link #q16p} hold this preparation's values. A preparation for a batched kernel that
     * reads packed values leaves them out; the row kernels build them on first use (Kernels.ensureRowLayouts).
     */
    volatile boolean rowLayouts;
    /** The type, rows and columns of the last preparation (for Kernels.ensureRowLayouts). */
    GgmlType preparedType;
    int preparedRows;
    int preparedCols;
    /** Q8_K: sums of each 32 int8 values (one K-quant sub-block), {@code [rows][cols / 32]}. */
    public int[] bsum32 = new int[0];
    /**
     * For the AVX-512 prefill kernels, {@code [tile][cols][tokens of the tile]}: every value as {@code q * d} in tiles
     * of VectorKernels.TOKENS tokens (F32, F16, BF16: the prepared float {@link #f}), Q8_0's as {@code q} in tiles of
     * VectorKernels.Q8_TOKENS with its scales in {@link #packedScales} (see VectorKernels.packActivations);
     * {@code packedType} says for which type, null when not filled.
     */
    public float[] packed = new float[0];
    /** Where the values of {@link #packed} start: its first element on a cache line (see ArrayAlignment), or 0. */
    public int packedBase;
    /** {@link #packed} as a heap segment, for {@code ArrayAlignment}. */
    java.lang.foreign.MemorySegment packedSegment = java.lang.foreign.MemorySegment.ofArray(packed);
    public GgmlType packedType;
    /** Q8_0's packed block scales (see VectorKernels.packActivations), Q4_K's super-block scales (packPairs). */
    public float[] packedScales = new float[0];
    /**
     * For the AVX-512 Q4_K prefill kernel (VectorKernels.packPairs): the int8 values of two columns 32 apart (the
     * same position in two sub-blocks) as one int, two int16 lanes, in tiles of VectorKernels.PAIR_TOKENS tokens.
     */
    public int[] packedPairs = new int[0];
    /** For the same kernel: minus each 32-value sub-block's sum times its super-block scale, per token. */
    public float[] packedMins = new float[0];

    void ensureFloats(int size) {
        if (f.length < size) {
            f = new float[size];
        }
    }

    void ensureQ16p(int size) {
        if (q16p.length < size) {
            q16p = new short[size];
        }
    }

    void ensurePackedScales(int size) {
        if (packedScales.length < size) {
            packedScales = new float[size];
        }
    }

    void ensurePackedPairs(int size, int mins) {
        if (packedPairs.length < size) {
            packedPairs = new int[size];
        }
        if (packedMins.length < mins) {
            packedMins = new float[mins];
        }
    }

    void ensurePacked(int size) {
        if (packed.length < size + ArrayAlignment.LINE_FLOATS) {
            packed = new float[size + ArrayAlignment.LINE_FLOATS];
            packedSegment = java.lang.foreign.MemorySegment.ofArray(packed);
        }
    }

    void ensureQuants(int size, int blocks, int sums) {
        if (q.length < size) {
            q = new byte[size];
        }
        if (d.length < blocks) {
            d = new float[blocks];
        }
        if (q16.length < size) {
            q16 = new short[size];
        }
        if (bsums.length < sums) {
            bsums = new int[sums];
            bsum32 = new int[sums / 2];
        }
    }
}
