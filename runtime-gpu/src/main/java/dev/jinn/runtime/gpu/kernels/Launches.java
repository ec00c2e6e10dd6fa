package dev.jinn.runtime.gpu.kernels;

/**
 * The launch geometry of every kernel: the one place that knows block sizes (see {@code runtime-gpu/KERNELS.md}).
 * The host asks here for each launch; the CUDA sources assume exactly these shapes.
 */
public final class Launches {
    /** Threads per block of the elementwise kernels. */
    static final int ELEMENTWISE_BLOCK = 256;
    /** Threads per block of the row kernels (embed, rmsnorm, dequantization): one block per row. */
    static final int ROW_BLOCK = 256;
    /** Warps per mat-vec block ({@code blockDim.y}); each warp owns {@link #MATVEC_ROWS_PER_WARP} rows. */
    public static final int MATVEC_WARPS = 4;
    /**
     * Weight rows one mat-vec warp computes together, so that each slice of x it loads is used that many times
     * (compiled into the CUDA kernels as {@code ROWS_PER_WARP}).
     */
    public static final int MATVEC_ROWS_PER_WARP = 2;
    /**
     * Threads per attention block, exactly (eight warps, each walking every eighth position of the chunk; the
     * kernel's {@code ATT_WARPS}).
     */
    public static final int ATTENTION_THREADS = 256;
    /** The most chunks {@link #attentionChunk} cuts a cache into. */
    public static final int ATTENTION_MAX_CHUNKS = 64;
    /** The largest head dimension the attention kernels handle (eight values per lane; {@code MAX_HEAD_DIM}). */
    public static final int ATTENTION_MAX_HEAD_DIM = 256;
    /** CUDA's limit on gridDim.y and gridDim.z. */
    public static final int MAX_GRID_YZ = 65535;

    private Launches() {}

    /** The mat-vec kernel for a ggml type. */
    public static Kernel matvecKernel(int ggmlType) {
        return switch (ggmlType) {
            case 0 -> Kernel.MATVEC_F32;
            case 1 -> Kernel.MATVEC_F16;
            case 2 -> Kernel.MATVEC_Q4_0;
            case 8 -> Kernel.MATVEC_Q8_0;
            case 12 -> Kernel.MATVEC_Q4_K;
            case 13 -> Kernel.MATVEC_Q5_K;
            case 14 -> Kernel.MATVEC_Q6_K;
            case 30 -> Kernel.MATVEC_BF16;
            default -> throw new IllegalArgumentException("no GPU mat-vec kernel for ggml type " + ggmlType);
        };
    }

    /** The kernel that decodes rows of a ggml type to f16 (for cuBLAS prefill tiles). */
    public static Kernel dequantF16Kernel(int ggmlType) {
        return switch (ggmlType) {
            case 0 -> Kernel.DEQUANT_F16_F32;
            case 1 -> Kernel.DEQUANT_F16_F16;
            case 2 -> Kernel.DEQUANT_F16_Q4_0;
            case 8 -> Kernel.DEQUANT_F16_Q8_0;
            case 12 -> Kernel.DEQUANT_F16_Q4_K;
            case 13 -> Kernel.DEQUANT_F16_Q5_K;
            case 14 -> Kernel.DEQUANT_F16_Q6_K;
            case 30 -> Kernel.DEQUANT_F16_BF16;
            default -> throw new IllegalArgumentException("no GPU dequantization kernel for ggml type " + ggmlType);
        };
    }

    /**
     * True for the weight types whose mat-vec takes activations quantized by {@link Kernel#QUANTIZE_Q8_0} rather
     * than float32 (Q8_0 and Q4_0, as ggml multiplies them).
     */
    public static boolean quantizesActivations(int ggmlType) {
        return ggmlType == 2 || ggmlType == 8;
    }

    /**
     * Bytes of the Q8_0 activations of {@code n} rows of {@code cols} values ({@link Kernel#QUANTIZE_Q8_0}'s layout:
     * the int8 values, then a float scale per 32).
     */
    public static long q8ActivationBytes(int n, int cols) {
        long count = (long) n * cols;
        return count + count / 32 * 4;
    }

    /** True when the GPU has kernels for weights of this ggml type. */
    public static boolean supports(int ggmlType) {
        return switch (ggmlType) {
            case 0, 1, 2, 8, 12, 13, 14, 30 -> true;
            default -> false;
        };
    }

    /** One block per token row, threads striding over the columns. */
    public static LaunchConfig embed(int n, int cols) {
        return new LaunchConfig(n, 1, 1, ROW_BLOCK, 1, 1, 0);
    }

    /** One block per row: a block-wide sum of squares, then the scaled row. */
    public static LaunchConfig rmsNorm(int n, int cols) {
        return new LaunchConfig(n, 1, 1, ROW_BLOCK, 1, 1, 0);
    }

    /**
     * Blocks of {@link #MATVEC_WARPS} warps, each warp computing {@link #MATVEC_ROWS_PER_WARP} weight rows for one
     * activation row; gridDim.x is the activation row (fastest, so blocks sharing weight rows run together and share
     * them through L2), gridDim.y the group of weight rows, so {@code rows} may not pass
     * {@link #MAX_GRID_YZ} · {@link #MATVEC_WARPS} · {@link #MATVEC_ROWS_PER_WARP}.
     */
    public static LaunchConfig matvec(int ggmlType, int rows, int cols, int n) {
        matvecKernel(ggmlType);
        if (n < 1) {
            throw new IllegalArgumentException("mat-vec of " + n + " activation rows");
        }
        checkGridYZ("mat-vec blocks of " + MATVEC_WARPS * MATVEC_ROWS_PER_WARP + " weight rows",
                ceilDiv(rows, MATVEC_WARPS * MATVEC_ROWS_PER_WARP));
        return new LaunchConfig(n, ceilDiv(rows, MATVEC_WARPS * MATVEC_ROWS_PER_WARP), 1, 32, MATVEC_WARPS, 1, 0);
    }

    /** One block per weight row. */
    public static LaunchConfig dequantF16(int ggmlType, int nrows, int cols) {
        dequantF16Kernel(ggmlType);
        return new LaunchConfig(nrows, 1, 1, ROW_BLOCK, 1, 1, 0);
    }

    public static LaunchConfig f32ToF16(int count) {
        return elementwise(count);
    }

    /**
     * {@link Kernel#QUANTIZE_Q8_0}: a thread per value, so each warp holds one block
     * of 32 ({@code count} must be a multiple of 32; the elementwise blocks are whole warps).
     */
    public static LaunchConfig quantizeQ8_0(int count) {
        if (count < 32 || count % 32 != 0) {
            throw new IllegalArgumentException("Q8_0 activations of " + count + " values: not a positive multiple of 32");
        }
        return elementwise(count);
    }

    public static LaunchConfig addBias(int n, int cols) {
        return elementwise(n * cols);
    }

    /**
     * The factor between the angles of consecutive rotated pairs, {@code theta^(-2/headDim)}, as ggml's rope cache
     * computes it in float ({@code powf}); {@link Kernel#ROPE} multiplies the position by it once per pair.
     */
    public static float ropeThetaScale(float theta, int headDim) {
        return (float) Math.pow(theta, -2.0f / headDim);
    }

    /** Block (head, row), one thread per rotated pair. */
    public static LaunchConfig rope(int n, int heads, int headDim) {
        checkGridYZ("rope rows", n);
        return new LaunchConfig(heads, n, 1, warps(headDim / 2), 1, 1, 0);
    }

    /** Block (kv head, row), one thread per element of the head. */
    public static LaunchConfig kvStore(int n, int kvHeads, int headDim) {
        checkGridYZ("kv-store rows", n);
        return new LaunchConfig(kvHeads, n, 1, warps(headDim), 1, 1, 0);
    }

    /**
     * Positions one {@link Kernel#ATTENTION} block covers, for a cache of {@code capacity} positions: 256, or for
     * long caches enough to keep them to {@link #ATTENTION_MAX_CHUNKS} chunks (a multiple of 32 either way). Every
     * chunk is launched at every step, so a 32k cache in chunks of 256 would launch 128 blocks per head, most of them
     * empty early in a sequence; 64 chunks of 512 keep that cost small and still give each head 64 blocks of work
     * once the sequence is long.
     */
    public static int attentionChunk(int capacity, int headDim) {
        int chunk = ceilDiv(ceilDiv(Math.max(1, capacity), ATTENTION_MAX_CHUNKS), 32) * 32;
        return Math.max(256, chunk);
    }

    /** Chunks of a cache: fixed per cache so that a captured decode graph stays valid as the sequence grows. */
    public static int attentionChunks(int capacity, int headDim) {
        return ceilDiv(capacity, attentionChunk(capacity, headDim));
    }

    /**
     * Block (head, chunk, query row) of {@link #ATTENTION_THREADS} threads; {@code headDim} a multiple of 4 (each
     * lane reads four values at once) and at most {@link #ATTENTION_MAX_HEAD_DIM}.
     */
    public static LaunchConfig attention(int n, int heads, int headDim, int nChunks, int chunk) {
        if (headDim < 4 || headDim > ATTENTION_MAX_HEAD_DIM || headDim % 4 != 0) {
            throw new IllegalArgumentException("attention head dimension " + headDim + " is not a multiple of 4 in [4, "
                    + ATTENTION_MAX_HEAD_DIM + "]");
        }
        checkGridYZ("attention chunks", nChunks);
        checkGridYZ("attention query rows", n);
        return new LaunchConfig(heads, nChunks, n, ATTENTION_THREADS, 1, 1, 0);
    }

    /**
     * {@link Kernel#ATTENTION_F16}: block (head, query row) of {@link #ATTENTION_THREADS} threads, one per dimension
     * of the head (so {@code headDim} ≤ {@link #ATTENTION_MAX_HEAD_DIM}); the block walks all visible positions.
     */
    public static LaunchConfig attentionF16(int n, int heads, int headDim) {
        if (headDim < 4 || headDim > ATTENTION_MAX_HEAD_DIM || headDim % 4 != 0) {
            throw new IllegalArgumentException("attention head dimension " + headDim + " is not a multiple of 4 in [4, "
                    + ATTENTION_MAX_HEAD_DIM + "]");
        }
        checkGridYZ("attention query rows", n);
        return new LaunchConfig(heads, n, 1, ATTENTION_THREADS, 1, 1, 0);
    }

    /** Block (head, row), one thread per element of the head. */
    public static LaunchConfig attentionReduce(int n, int heads, int headDim, int nChunks) {
        checkGridYZ("attention rows", n);
        return new LaunchConfig(heads, n, 1, warps(headDim), 1, 1, 0);
    }

    /** swiglu, add, f32→f16 and bias over {@code count} elements. */
    public static LaunchConfig elementwise(int count) {
        return LaunchConfig.of(Math.max(1, ceilDiv(count, ELEMENTWISE_BLOCK)), ELEMENTWISE_BLOCK);
    }

    /** {@code threads} rounded up to whole warps (at least one). */
    private static int warps(int threads) {
        return Math.max(32, ceilDiv(threads, 32) * 32);
    }

    private static void checkGridYZ(String what, int count) {
        if (count < 1 || count > MAX_GRID_YZ) {
            throw new IllegalArgumentException(what + ": " + count + " is outside [1, " + MAX_GRID_YZ
                    + "], the range of a CUDA grid's y and z dimensions");
        }
    }

    static int ceilDiv(int a, int b) {
        return (int) (((long) a + b - 1) / b);
    }
}
