package dev.jinn.runtime.cpu;

import dev.jinn.spi.Tensor;

/** A float32 activation matrix on the Java heap, {@code [rows][cols]} row-major. */
final class CpuTensor implements Tensor {
    final int rows;
    final int cols;
    final float[] data;

    CpuTensor(int rows, int cols) {
        if (rows <= 0 || cols <= 0 || (long) rows * cols > Integer.MAX_VALUE - 16) {
            throw new IllegalArgumentException("bad tensor shape " + rows + " x " + cols);
        }
        this.rows = rows;
        this.cols = cols;
        this.data = new float[rows * cols];
    }

    @Override
    public int rows() {
        return rows;
    }

    @Override
    public int cols() {
        return cols;
    }
}
