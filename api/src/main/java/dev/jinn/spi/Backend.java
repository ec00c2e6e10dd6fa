package dev.jinn.spi;

import dev.jinn.KvCacheType;
import java.lang.foreign.MemorySegment;

/**
 * A compute backend: owns memory and kernels, and runs the ops the engine's transformer (written once) calls.
 * All ops take backend-owned handles made by this backend ({@link #weight}, {@link #tensor}, {@link #kvCache}) and
 * act on the first {@code n} rows (tokens) of their activation tensors.
 *
 * <p><b>Ordering and synchronisation.</b> Ops are issued in program order and may run asynchronously: a backend may
 * queue them, fuse neighbours (RMSNorm into the next mat-mul, bias into the mat-mul, the three SwiGLU ops) or record
 * the whole step. {@link #read} is the only point where results become visible to the engine. One decode step is
 * bracketed by {@link #beginStep}/{@link #endStep}; for a given {@code n} the sequence of ops between them is
 * identical from step to step (only {@code startPos} changes), so a GPU backend can capture it once as a graph and
 * replay it, passing the position through device memory.
 *
 * <p><b>Threads.</b> A backend is shared by all sequences of a model and must accept ops from several threads at
 * once, as long as they touch different tensors and caches. {@link #close()} frees everything it made.
 */
public interface Backend extends AutoCloseable {

    /** The provider's name. */
    String name();

    /** True when {@link #matmul} and {@link #embed} accept weights of this ggml type. */
    boolean supports(int ggmlType);

    /**
     * Wraps a weight of {@code rows} × {@code cols} values encoded as {@code ggmlType} (rows of whole blocks).
     * The CPU backend uses {@code data} in place; the caller keeps it alive until this backend is closed.
     *
     * @throws dev.jinn.JinnException if the type is unsupported or {@code data} has the wrong size
     */
    WeightTensor weight(String name, int ggmlType, int rows, int cols, MemorySegment data);

    /** Allocates a float32 activation tensor of {@code rows} × {@code cols}. Freed with the backend or by GC. */
    Tensor tensor(int rows, int cols);

    /** Allocates a KV cache: {@code layers} × {@code kvHeads} × {@code capacity} positions × {@code headDim}. */
    KvCache kvCache(int layers, int kvHeads, int headDim, int capacity, KvCacheType type);

    /** Marks the start of one forward step over {@code n} tokens at positions {@code startPos..}. */
    default void beginStep(int n, int startPos) {}

    /** Marks the end of the step started by {@link #beginStep}. */
    default void endStep() {}

    /** {@code out[i] = table[tokens[from + i]]} (decoded to float32) for {@code i < n}. */
    void embed(WeightTensor table, int[] tokens, int from, int n, Tensor out);

    /** {@code out[i] = x[i] / sqrt(mean(x[i]^2) + eps) * weight}, row by row; {@code out} may be {@code x}. */
    void rmsNorm(Tensor x, int n, WeightTensor weight, float eps, Tensor out);

    /**
     * {@code out[i] = w · x[i] (+ bias)} for {@code i < n}: {@code w} is [rows, cols], {@code x} rows have
     * {@code w.cols()} values, {@code out} rows receive {@code w.rows()} values. n = 1 is decode (mat-vec), n > 1
     * prefill (mat-mat). {@code bias} may be null.
     */
    void matmul(WeightTensor w, Tensor x, int n, WeightTensor bias, Tensor out);

    /**
     * Rotates each head of rows {@code 0..n-1} in place; row i is at position {@code startPos + i}.
     * {@code neox}: pairs (j, j + headDim/2) (qwen2); otherwise interleaved pairs (2j, 2j+1) (llama).
     * Frequencies are {@code theta^(-2j/headDim)}.
     */
    void rope(Tensor x, int n, int heads, int headDim, int startPos, float theta, boolean neox);

    /**
     * Stores the keys and values of rows {@code 0..n-1} (already rotated) at positions {@code startPos..} of
     * {@code layer} in the cache, then computes causal grouped-query attention of each query row over positions
     * {@code 0..startPos+i}, scaled by 1/sqrt(headDim), into {@code out} ({@code heads × headDim} per row).
     */
    void attention(KvCache cache, int layer, Tensor q, Tensor k, Tensor v, int n, int startPos,
                   int heads, int kvHeads, int headDim, Tensor out);

    /** {@code out = silu(gate) * up} elementwise over the first n rows; {@code out} may be {@code gate}. */
    void swiglu(Tensor gate, Tensor up, int n, Tensor out);

    /** {@code x += y} over the first n rows. */
    void add(Tensor x, Tensor y, int n);

    /** Copies {@code n} rows of {@code src} starting at {@code srcRow} to {@code dst} starting at {@code dstRow}. */
    void copyRows(Tensor src, int srcRow, Tensor dst, int dstRow, int n);

    /** Copies row {@code row} of {@code t} into {@code dst} (waits for queued ops). */
    void read(Tensor t, int row, float[] dst, int dstOffset);

    /** Frees the backend's memory and threads. Idempotent. */
    @Override
    void close();
}
