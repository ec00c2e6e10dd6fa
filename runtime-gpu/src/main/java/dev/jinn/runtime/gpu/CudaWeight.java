package dev.jinn.runtime.gpu;

import dev.jinn.spi.WeightTensor;

/**
 * A weight in device memory: a matrix as the GGUF bytes ({@code deviceType} = its ggml type), or a vector (norm
 * weight, bias) decoded to float32 at upload ({@code deviceType} = 0, F32) whatever its file type.
 */
final class CudaWeight implements WeightTensor {
    final String name;
    final int fileType;
    final int deviceType;
    final int rows;
    final int cols;
    final long ptr;

    CudaWeight(String name, int fileType, int deviceType, int rows, int cols, long ptr) {
        this.name = name;
        this.fileType = fileType;
        this.deviceType = deviceType;
        this.rows = rows;
        this.cols = cols;
        this.ptr = ptr;
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public int ggmlType() {
        return fileType;
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
