package dev.jinn.spi;

/**
 * A backend-owned float32 activation matrix of {@link #rows()} × {@link #cols()} values, row-major (one row per token).
 * Where it lives (heap, native memory, GPU memory) is the backend's business; the engine only passes handles
 * back to the backend that made them. Owned by whoever created it through {@link Backend#tensor}; not thread-safe.
 */
public interface Tensor {
    /** Rows allocated (the largest batch this tensor can hold). */
    int rows();

    /** Values per row. */
    int cols();
}
