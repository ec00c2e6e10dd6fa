package dev.jinn.runtime.gpu.kernels;

/**
 * The launch geometry of every kernel: the one place that knows block sizes (see {@code runtime-gpu/KERNELS.md}).
 * The host asks here for each launch; the CUDA sources assume exactly these shapes.
 */
public final class Launches {
    /** Threads per block of the elementwise kernels. */
    static final int ELEMENTWISE_BLOCK = 256;
    /** Rows of a mat-vec handled by one block (one warp each). */
    static final int MATVEC_ROWS_PER_BLOCK = 4;

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

    /** The kernel that decodes rows of a ggml type to bf16 (for cuBLAS prefill tiles). */
    public static Kernel dequantBf16Kernel(int ggmlType) {
        return switch (ggmlType) {
            case 0 -> Kernel.DEQUANT_BF16_F32;
            case 1 -> Kernel.DEQUANT_BF16_F16;
            case 2 -> Kernel.DEQUANT_BF16_Q4_0;
            case 8 -> Kernel.DEQUANT_BF16_Q8_0;
            case 12 -> Kernel.DEQUANT_BF16_Q4_K;
            case 13 -> Kernel.DEQUANT_BF16_Q5_K;
            case 14 -> Kernel.DEQUANT_BF16_Q6_K;
            case 30 -> Kernel.DEQUANT_BF16_BF16;
            default -> throw new IllegalArgumentException("no GPU dequantization kernel for ggml type " + ggmlType);
        };
    }

    /** True when the GPU has kernels for weights of this ggml type. */
    public static boolean supports(int ggmlType) {
        return switch (ggmlType) {
            case 0, 1, 2, 8, 12, 13, 14, 30 -> true;
            default -> false;
        };
    }

    public static LaunchConfig embed(int n, int cols) {
        return new LaunchConfig(n, 1, 1, 256, 1, 1, 0);
    }

    public static LaunchConfig rmsNorm(int n, int cols) {
        return new LaunchConfig(n, 1, 1, 256, 1, 1, 0);
    }

    public static LaunchConfig matvec(int ggmlType, int rows, int cols, int n) {
        matvecKernel(ggmlType);
        return new LaunchConfig(ceilDiv(rows, MATVEC_ROWS_PER_BLOCK), n, 1, 32, MATVEC_ROWS_PER_BLOCK, 1, 0);
    }

    public static LaunchConfig dequantBf16(int ggmlType, int nrows, int cols) {
        dequantBf16Kernel(ggmlType);
        return new LaunchConfig(nrows, 1, 1, 256, 1, 1, 0);
    }

    public static LaunchConfig f32ToBf16(int count) {
        return elementwise(count);
    }

    public static LaunchConfig addBias(int n, int cols) {
        return elementwise(n * cols);
    }

    public static LaunchConfig rope(int n, int heads, int headDim) {
        return new LaunchConfig(heads, n, 1, Math.max(32, headDim / 2), 1, 1, 0);
    }

    public static LaunchConfig kvStore(int n, int kvHeads, int headDim) {
        return new LaunchConfig(kvHeads, n, 1, headDim, 1, 1, 0);
    }

    /** Positions one {@link Kernel#ATTENTION} block covers, for a cache of {@code capacity} positions. */
    public static int attentionChunk(int capacity, int headDim) {
        return 256;
    }

    /** Chunks of a cache: fixed per cache so that a captured decode graph stays valid as the sequence grows. */
    public static int attentionChunks(int capacity, int headDim) {
        return ceilDiv(capacity, attentionChunk(capacity, headDim));
    }

    public static LaunchConfig attention(int n, int heads, int headDim, int nChunks, int chunk) {
        return new LaunchConfig(heads, nChunks, n, 128, 1, 1, 0);
    }

    public static LaunchConfig attentionReduce(int n, int heads, int headDim, int nChunks) {
        return new LaunchConfig(heads, n, 1, Math.max(32, headDim), 1, 1, 0);
    }

    /** swiglu, add, f32→bf16 and bias over {@code count} elements. */
    public static LaunchConfig elementwise(int count) {
        return LaunchConfig.of(Math.max(1, ceilDiv(count, ELEMENTWISE_BLOCK)), ELEMENTWISE_BLOCK);
    }

    static int ceilDiv(int a, int b) {
        return (a + b - 1) / b;
    }
}
