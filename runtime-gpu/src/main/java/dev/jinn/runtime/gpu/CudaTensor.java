package dev.jinn.runtime.gpu;

import dev.jinn.spi.Tensor;

/** A float32 activation matrix in device memory, {@code [rows][cols]} row-major (stride = cols). */
final class CudaTensor implements Tensor {
    final CudaBackend owner;
    final int rows;
    final int cols;
    final long ptr;

    CudaTensor(CudaBackend owner, int rows, int cols, long ptr) {
        this.owner = owner;
        this.rows = rows;
        this.cols = cols;
        this.ptr = ptr;
    }

    /** Address of row {@code r}. */
    long row(int r) {
        return ptr + 4L * r * cols;
    }

    @Override
    public int rows() {
        return rows;
    }

    @Override
    public int cols() {
        return cols;
    }

    @Override
    public String toString() {
        return "CUDA tensor " + rows + " x " + cols;
    }
}
