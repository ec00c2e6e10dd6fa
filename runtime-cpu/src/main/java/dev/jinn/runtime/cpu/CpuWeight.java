package dev.jinn.runtime.cpu;

import dev.jinn.quant.GgmlType;
import dev.jinn.runtime.cpu.internal.Kernels;
import dev.jinn.spi.WeightTensor;
import java.lang.foreign.MemorySegment;

/** A weight used in place from the mapped file: {@code rows} rows of {@code rowBytes} encoded bytes. */
final class CpuWeight implements WeightTensor {
    final String name;
    final GgmlType type;
    final int rows;
    final int cols;
    final long rowBytes;
    final MemorySegment data;
    private volatile float[] floats;

    CpuWeight(String name, GgmlType type, int rows, int cols, MemorySegment data) {
        this.name = name;
        this.type = type;
        this.rows = rows;
        this.cols = cols;
        this.rowBytes = type.rowBytes(cols);
        this.data = data;
    }

    /** The whole tensor decoded to floats (only for small vectors: norms, biases). */
    float[] floats() {
        float[] f = floats;
        if (f == null) {
            if ((long) rows * cols > 1 << 24) {
                throw new IllegalStateException(name + " is too large to decode to the heap");
            }
            f = new float[rows * cols];
            for (int r = 0; r < rows; r++) {
                Kernels.dequantizeRow(type, data, r * rowBytes, f, r * cols, cols);
            }
            floats = f;
        }
        return f;
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public int ggmlType() {
        return type.id();
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
